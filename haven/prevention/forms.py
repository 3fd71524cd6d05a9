"""Forms of the prevention pages: they parse input; the services decide."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from haven.lib.forms import ModelMultipleChoiceField
from haven.orgs.models import OrgUnit, User
from haven.prevention.models import ActivityStatus, ChannelKind, Goal, MeetingKind


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any):
        super().__init__(format="%Y-%m-%d", **kwargs)


class PlanCreateForm(forms.Form):
    source = forms.ChoiceField(label=_("Start from"), choices=[])

    def __init__(self, *args: Any, templates: dict[str, Any], has_previous: bool, **kwargs: Any):
        super().__init__(*args, **kwargs)
        choices: list[tuple[str, Any]] = [
            (f"template:{code}", _("Template: %(name)s") % {"name": t.name})
            for code, t in templates.items()
        ]
        if has_previous:
            choices.append(("previous", _("A copy of last year's plan")))
        choices.append(("empty", _("An empty plan")))
        self.fields["source"].choices = choices  # type: ignore[attr-defined]


class ActivityForm(forms.Form):
    goal = forms.ChoiceField(label=_("Goal"), choices=Goal.choices)
    what = forms.CharField(label=_("Activity"), widget=forms.Textarea(attrs={"rows": 2}))
    lead = forms.CharField(label=_("Who leads"), max_length=200)
    participants = forms.CharField(label=_("Who takes part"), max_length=300, required=False)
    starts_on = forms.DateField(label=_("From"), widget=DateInput())
    ends_on = forms.DateField(label=_("Until"), widget=DateInput())


class ActivityProgressForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=ActivityStatus.choices)
    starts_on = forms.DateField(label=_("From"), widget=DateInput())
    ends_on = forms.DateField(label=_("Until"), widget=DateInput())
    evidence_note = forms.CharField(
        label=_("Evidence"),
        help_text=_("What shows it was done: minutes, a list of those present, a photo…"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )
    evidence_file = forms.FileField(label=_("Evidence file (photo or PDF)"), required=False)
    result_url = forms.URLField(
        label=_("Link to the result"), required=False, max_length=500, assume_scheme="https"
    )


class TrainingForm(forms.Form):
    topic = forms.CharField(label=_("Topic"), max_length=300)
    held_on = forms.DateField(label=_("Date"), widget=DateInput())
    trainer = forms.CharField(label=_("Trainer"), max_length=200)
    audience = forms.CharField(
        label=_("Audience"),
        max_length=300,
        required=False,
        help_text=_("For example: all teachers, or the principals of the zone."),
    )


class StaffNumberForm(forms.Form):
    staff = forms.IntegerField(
        label=_("Staff members"),
        min_value=1,
        max_value=100_000,
        help_text=_(
            "Everyone who works at the school this school year, with or without an account in "
            "Haven."
        ),
    )


class PaperPledgeForm(forms.Form):
    user = forms.ModelChoiceField(label=_("Staff member"), queryset=User.objects.none())
    signed_on = forms.DateField(label=_("Signed on"), widget=DateInput())

    def __init__(self, *args: Any, staff: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = staff  # type: ignore[attr-defined]


class ClassCommitmentForm(forms.Form):
    class_unit = forms.ModelChoiceField(label=_("Class"), queryset=OrgUnit.objects.none())
    signed_on = forms.DateField(label=_("Signed on"), widget=DateInput())
    note = forms.CharField(label=_("Note"), max_length=300, required=False)

    def __init__(self, *args: Any, classes: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["class_unit"].queryset = classes  # type: ignore[attr-defined]


class SchoolCommitmentForm(forms.Form):
    submitted_on = forms.DateField(label=_("Submitted on"), widget=DateInput())
    note = forms.CharField(label=_("Note"), max_length=300, required=False)


class MeetingForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=MeetingKind.choices)
    held_on = forms.DateField(label=_("Date"), widget=DateInput())
    classes = ModelMultipleChoiceField(
        label=_("Classes"), queryset=OrgUnit.objects.none(), widget=forms.CheckboxSelectMultiple
    )
    topic = forms.CharField(label=_("Topic"), max_length=300)
    attendance = forms.IntegerField(label=_("People present"), min_value=0)

    def __init__(self, *args: Any, classes: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["classes"].queryset = classes  # type: ignore[attr-defined]


class ChannelForm(forms.Form):
    unit = forms.ChoiceField(label=_("Made known to"), choices=[])
    kind = forms.ChoiceField(label=_("Channel"), choices=ChannelKind.choices)
    detail = forms.CharField(
        label=_("Details"),
        max_length=200,
        required=False,
        help_text=_("The number, where the box is, the bot's name…"),
    )
    published_on = forms.DateField(label=_("Made known on"), widget=DateInput())

    def __init__(self, *args: Any, school: OrgUnit, classes: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = [  # type: ignore[attr-defined]
            (str(school.pk), _("The whole school")),
            *[(str(c.pk), c.name) for c in classes],
        ]
