"""The report forms (public and staff entry) and the reporter's reply: what they show and read.
The report's rules are ``rules.report_clean``'s, as for the JSON API and any chat bot."""

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from haven.intake import rules
from haven.intake.models import STAFF_CHANNELS, Channel, TimeOfDay
from haven.intake.places import place_choices
from haven.lib.errors import FieldErrors
from haven.orgs.models import OrgUnit


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Files as sent (shape only): how many and what they hold is ``rules.files_clean``'s."""

    widget = MultipleFileInput

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        return [super(MultipleFileField, self).clean(item, initial) for item in files]


FILE_TYPES = "image/jpeg,image/png,image/webp,image/gif,.pdf,.docx,.xlsx,.odt,.ogg,.opus"


class ReportForm(forms.Form):
    """The public web form. It shows the report's fields and reads what was sent; every rule
    is ``rules.report_clean``'s, whose verdict is ``self.report`` (or the fields' errors)."""

    description = rules.display_field(
        "description",
        label=_("What happened?"),
        help_text=_("Tell it in your own words. Names help the school, but you decide."),
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    when_text = rules.display_field(
        "when_text",
        label=_("When did it happen?"),
        help_text=_("For example: yesterday at lunch, every morning on the bus."),
    )
    time_of_day = rules.display_field("time_of_day", label=_("At what time of day?"))
    place = rules.display_field("place", label=_("Where did it happen?"))
    harms = rules.display_field(
        "harms",
        label=_("What kind of harm? Choose all that fit."),
        widget=forms.CheckboxSelectMultiple,
    )
    affected = rules.display_field(
        "affected", label=_("Who is it happening to?"), widget=forms.RadioSelect
    )
    reporter_role = rules.display_field(
        "reporter_role", label=_("Who are you?"), widget=forms.RadioSelect
    )
    class_unit = forms.ModelChoiceField(
        label=_("Class"), queryset=OrgUnit.objects.none(), required=False
    )
    contact = rules.display_field(
        "contact",
        label=_("Your contact (optional)"),
        help_text=_(
            "Only if you want the school to contact you. Leave it empty to stay anonymous."
        ),
    )
    files = MultipleFileField(  # type: ignore[assignment]
        label=_("Photos, documents or voice messages (optional)"),
        required=False,
        widget=MultipleFileInput(attrs={"accept": FILE_TYPES}),
    )
    # A field people never see; bots fill it in.
    website = forms.CharField(required=False, label=_("Leave this field empty"))

    staff = False
    report: rules.CleanReport | None = None

    def __init__(
        self, *args: Any, school: OrgUnit, class_unit: OrgUnit | None = None, **kwargs: Any
    ):
        super().__init__(*args, **kwargs)
        self.school = school
        self.given_class = class_unit  # from the poster's address: no choice shown
        self.fields["place"].choices = [("", "—"), *place_choices(school)]  # type: ignore[attr-defined]
        self.fields["time_of_day"].choices = [("", "—"), *TimeOfDay.choices]  # type: ignore[attr-defined]
        if class_unit is not None:
            del self.fields["class_unit"]
        else:
            self.fields["class_unit"].queryset = OrgUnit.objects.filter(  # type: ignore[attr-defined]
                parent=school, kind=OrgUnit.Kind.CLASS
            ).order_by("name")

    def channel_of(self, raw: dict[str, Any]) -> str:
        return Channel.WEB

    def _clean_fields(self) -> None:
        """Shapes only (a class's id, files); then the one rule function judges the report."""
        raw = {name: self[name].data for name in self.fields}
        class_unit = self.given_class
        if "class_unit" in self.fields:
            try:
                class_unit = self.fields["class_unit"].clean(raw["class_unit"])
            except forms.ValidationError as exc:
                self.add_error("class_unit", exc)
        try:
            files = self.fields["files"].clean(raw["files"])
        except forms.ValidationError as exc:
            self.add_error("files", exc)
            files = []
        try:
            self.report = rules.report_clean(
                raw,
                school=self.school,
                channel=self.channel_of(raw),
                staff=self.staff,
                class_unit=class_unit,
                files=files,
            )
        except FieldErrors as refused:
            for name, messages in refused.errors.items():
                self.add_error(name if name in self.fields else None, messages)
        else:
            self.cleaned_data.update(vars(self.report))

    @property
    def is_bot(self) -> bool:
        return bool(self.data.get("website"))


class StaffReportForm(ReportForm):
    """A report a staff member records, with the channel it came by."""

    channel = forms.ChoiceField(
        label=_("How did it reach you?"), choices=[(c.value, c.label) for c in STAFF_CHANNELS]
    )
    field_order = ["channel"]
    staff = True

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        del self.fields["website"]
        self.fields["description"].help_text = _("What was reported or seen, as told.")
        self.fields["reporter_role"].label = _("Who reported it?")
        self.fields["contact"].label = _("Reporter's contact (optional)")
        self.fields["contact"].help_text = ""

    def channel_of(self, raw: dict[str, Any]) -> str:
        return str(raw.get("channel") or "")


class ReplyForm(forms.Form):
    """What a reporter adds later, with their receipt."""

    body = forms.CharField(
        label=_("Your message"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=settings.HAVEN_REPORT_MAX_CHARS,
        required=False,
    )
    files = MultipleFileField(  # type: ignore[assignment]
        label=_("Add photos, documents or voice messages (optional)"),
        required=False,
        widget=MultipleFileInput(attrs={"accept": FILE_TYPES}),
    )

    def clean_files(self) -> list[Any]:
        """The files ready to store (``CleanFile``), by the reports' file rules."""
        files, errors = rules.files_clean(self.cleaned_data.get("files") or [])
        if errors:
            raise forms.ValidationError(errors)
        return files

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        empty = not (data.get("body") or "").strip() and not data.get("files")
        if empty and "files" not in self.errors:
            raise forms.ValidationError(_("Write a message or add a file."))
        return data
