"""The report form: one rule set for the web form, the staff entry form and the JSON API."""

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from haven.intake.models import STAFF_CHANNELS, Affected, Harm, ReporterRole
from haven.intake.places import place_choices
from haven.orgs.models import OrgUnit


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        if len(files) > settings.HAVEN_ATTACHMENTS_PER_MESSAGE:
            raise forms.ValidationError(
                _("At most %(count)s files at a time.")
                % {"count": settings.HAVEN_ATTACHMENTS_PER_MESSAGE}
            )
        return [super(MultipleFileField, self).clean(item, initial) for item in files]


class ReportForm(forms.Form):
    description = forms.CharField(
        label=_("What happened?"),
        help_text=_("Tell it in your own words. Names help the school, but you decide."),
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=settings.HAVEN_REPORT_MAX_CHARS,
        strip=True,
        error_messages={"required": _("Please tell us what happened.")},
    )
    when_text = forms.CharField(
        label=_("When did it happen?"),
        help_text=_("For example: yesterday at lunch, every morning on the bus."),
        max_length=200,
        required=False,
    )
    place = forms.ChoiceField(label=_("Where did it happen?"), required=False)
    harms = forms.MultipleChoiceField(
        label=_("What kind of harm? Choose all that fit."),
        choices=Harm.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    affected = forms.ChoiceField(
        label=_("Who is it happening to?"), choices=Affected.choices, widget=forms.RadioSelect
    )
    reporter_role = forms.ChoiceField(
        label=_("Who are you?"), choices=ReporterRole.choices, widget=forms.RadioSelect
    )
    class_unit = forms.ModelChoiceField(
        label=_("Class"), queryset=OrgUnit.objects.none(), required=False
    )
    contact = forms.CharField(
        label=_("Your contact (optional)"),
        help_text=_(
            "Only if you want the school to contact you. Leave it empty to stay anonymous."
        ),
        max_length=200,
        required=False,
    )
    files = MultipleFileField(  # type: ignore[assignment]
        label=_("Photos or screenshots (optional)"),
        required=False,
        widget=MultipleFileInput(
            attrs={"accept": "image/jpeg,image/png,image/webp,image/gif,.pdf"}
        ),
    )
    # A field people never see; bots fill it in.
    website = forms.CharField(required=False, label=_("Leave this field empty"))

    def __init__(self, *args: Any, school: OrgUnit, with_class_choice: bool = True, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.school = school
        self.fields["place"].choices = [("", "—"), *place_choices(school)]  # type: ignore[attr-defined]
        if not with_class_choice:
            del self.fields["class_unit"]
        else:
            self.fields["class_unit"].queryset = OrgUnit.objects.filter(  # type: ignore[attr-defined]
                parent=school, kind=OrgUnit.Kind.CLASS
            ).order_by("name")

    @staticmethod
    def description_rule(text: str) -> str:
        """Blank is no description (also used by ``validation.check_report``)."""
        text = text.strip()
        if not text:
            raise forms.ValidationError(_("Please tell us what happened."))
        return text

    def clean_description(self) -> str:
        return self.description_rule(self.cleaned_data["description"])

    @property
    def is_bot(self) -> bool:
        return bool(self.data.get("website"))


class StaffReportForm(ReportForm):
    """A report a staff member records, with the channel it came by."""

    channel = forms.ChoiceField(
        label=_("How did it reach you?"), choices=[(c.value, c.label) for c in STAFF_CHANNELS]
    )
    field_order = ["channel"]

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        del self.fields["website"]
        self.fields["description"].help_text = _("What was reported or seen, as told.")
        self.fields["reporter_role"].label = _("Who reported it?")
        self.fields["contact"].label = _("Reporter's contact (optional)")
        self.fields["contact"].help_text = ""


class ReplyForm(forms.Form):
    """What a reporter adds later, with their receipt."""

    body = forms.CharField(
        label=_("Your message"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=settings.HAVEN_REPORT_MAX_CHARS,
        required=False,
    )
    files = MultipleFileField(  # type: ignore[assignment]
        label=_("Add photos or screenshots (optional)"),
        required=False,
        widget=MultipleFileInput(
            attrs={"accept": "image/jpeg,image/png,image/webp,image/gif,.pdf"}
        ),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not (data.get("body") or "").strip() and not data.get("files"):
            raise forms.ValidationError(_("Write a message or add a file."))
        return data
