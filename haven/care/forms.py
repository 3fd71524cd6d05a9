"""Forms of the care registers: they parse input; the services decide what is allowed."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from haven.care import access as care_access
from haven.care.models import CommitteeMeeting, ConcernEntry, MentorKind
from haven.care.reasons import reasons
from haven.care.selectors import school_people
from haven.cases import access as case_access
from haven.cases.models import Case
from haven.lib.forms import ModelMultipleChoiceField
from haven.orgs.models import OrgUnit, Pupil, User

DATE = {"type": "date"}


def date_input() -> forms.DateInput:
    """A browser date picker: its value is always ISO, whatever the page's language."""
    return forms.DateInput(attrs=DATE, format="%Y-%m-%d")


class PersonChoiceField(forms.ModelChoiceField[User]):
    def label_from_instance(self, obj: User) -> str:
        return obj.full_name or obj.email


class PeopleChoiceField(ModelMultipleChoiceField[User]):
    def label_from_instance(self, obj: User) -> str:
        return obj.full_name or obj.email


class PupilChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj} · {obj.class_unit.name}"


def people_choices(school: OrgUnit) -> list[tuple[Any, str]]:
    """The school's people as choices, read once for the many small forms of one page."""
    return [("", "---------"), *((u.pk, u.full_name or u.email) for u in school_people(school))]


def share_choices(form: forms.Form, field: str, choices: list[tuple[Any, str]]) -> None:
    form.fields[field].choices = choices  # type: ignore[attr-defined]


class ConcernForm(forms.Form):
    pupil = PupilChoiceField(label=_("Pupil"), queryset=Pupil.objects.none())
    reasons = forms.MultipleChoiceField(
        label=_("Reasons"), widget=forms.CheckboxSelectMultiple, required=False
    )
    reason_note = forms.CharField(label=_("More about the reasons"), max_length=300, required=False)
    responsible = PersonChoiceField(
        label=_("Responsible adult"),
        queryset=User.objects.none(),
        required=False,
        help_text=_("Left empty: the pupil's class teacher."),
    )
    mentor_user = PersonChoiceField(
        label=_("Mentor among the school's people"), queryset=User.objects.none(), required=False
    )
    mentor_kind = forms.ChoiceField(
        label=_("Or a mentor from outside: who"),
        choices=[("", "—"), *MentorKind.choices],
        required=False,
    )
    mentor_name = forms.CharField(label=_("Mentor's name"), max_length=200, required=False)
    mentor_role = forms.CharField(
        label=_("Mentor's role"),
        max_length=200,
        required=False,
        help_text=_("For example: juvenile police inspector, youth worker."),
    )
    review_on = forms.DateField(label=_("Review date"), widget=date_input(), required=False)

    def __init__(self, *args: Any, school: OrgUnit, entry: ConcernEntry | None = None, **kw: Any):
        super().__init__(*args, **kw)
        self.fields["reasons"].choices = [(r.code, r.name) for r in reasons()]  # type: ignore[attr-defined]
        people = school_people(school)
        self.fields["responsible"].queryset = people  # type: ignore[attr-defined]
        self.fields["mentor_user"].queryset = people  # type: ignore[attr-defined]
        if entry is None:
            self.fields["pupil"].queryset = (  # type: ignore[attr-defined]
                Pupil.objects.filter(school=school, active=True)
                .exclude(concern_entries__status=ConcernEntry.Status.OPEN)
                .select_related("class_unit")
            )
        else:
            del self.fields["pupil"]
            self.fields["responsible"].required = True
            self.fields["responsible"].help_text = ""


class FollowUpForm(forms.Form):
    on = forms.DateField(label=_("Date"), widget=date_input())
    note = forms.CharField(label=_("What was done or found"), widget=forms.Textarea({"rows": 3}))
    next_review_on = forms.DateField(label=_("Next review"), widget=date_input(), required=False)


class CloseForm(forms.Form):
    reason = forms.CharField(label=_("Why it is closed"), widget=forms.Textarea({"rows": 2}))


class RoundForm(forms.Form):
    name = forms.CharField(label=pgettext_lazy("screening round", "Name"), max_length=200)
    starts_on = forms.DateField(label=_("From"), widget=date_input())
    ends_on = forms.DateField(label=_("Until"), widget=date_input())
    classes = ModelMultipleChoiceField(
        label=_("Classes"),
        queryset=OrgUnit.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("None chosen: every class of the school."),
    )

    def __init__(self, *args: Any, school: OrgUnit, **kw: Any):
        super().__init__(*args, **kw)
        self.fields["classes"].queryset = OrgUnit.objects.filter(  # type: ignore[attr-defined]
            parent=school, kind=OrgUnit.Kind.CLASS
        ).order_by("name")


class AssignForm(forms.Form):
    responsible = PersonChoiceField(label=_("Responsible teacher"), queryset=User.objects.none())

    def __init__(self, *args: Any, school: OrgUnit, **kw: Any):
        super().__init__(*args, **kw)
        self.fields["responsible"].queryset = school_people(school)  # type: ignore[attr-defined]


class ItemForm(forms.Form):
    description = forms.CharField(
        label=_("What was found"),
        widget=forms.Textarea({"rows": 2}),
        help_text=_("Describe the situation without naming pupils."),
    )
    responsible = PersonChoiceField(label=_("Responsible"), queryset=User.objects.none())
    measures = forms.CharField(label=_("Measures"), widget=forms.Textarea({"rows": 2}))
    due_on = forms.DateField(label=_("Due"), widget=date_input())

    def __init__(self, *args: Any, school: OrgUnit, **kw: Any):
        super().__init__(*args, **kw)
        self.fields["responsible"].queryset = school_people(school)  # type: ignore[attr-defined]


class MeetingForm(forms.Form):
    body = forms.ChoiceField(label=_("Committee"), choices=CommitteeMeeting.Body.choices)
    held_on = forms.DateField(label=_("Date"), widget=date_input())
    members = PeopleChoiceField(
        label=_("Members present"),
        queryset=User.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    external_members = forms.CharField(
        label=_("Others present"),
        widget=forms.Textarea({"rows": 2}),
        required=False,
        help_text=_("One per line, with their role: for example, a parent representative."),
    )
    concerns = ModelMultipleChoiceField(
        label=_("Pupils of concern discussed"),
        queryset=ConcernEntry.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    cases = ModelMultipleChoiceField(
        label=_("Cases discussed"),
        queryset=Case.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    minutes = forms.CharField(label=_("Notes"), widget=forms.Textarea({"rows": 3}), required=False)

    def __init__(self, *args: Any, school: OrgUnit, user: User, **kw: Any):
        super().__init__(*args, **kw)
        self.fields["members"].queryset = school_people(school)  # type: ignore[attr-defined]
        concerns = care_access.concerns_visible(user).filter(
            school=school, status=ConcernEntry.Status.OPEN
        )
        self.fields["concerns"].queryset = concerns.select_related("pupil")  # type: ignore[attr-defined]
        self.fields["concerns"].label_from_instance = lambda e: str(e.pupil)  # type: ignore[attr-defined]
        self.fields["cases"].queryset = case_access.cases_visible(user).filter(school=school)  # type: ignore[attr-defined]

    def clean_external_members(self) -> list[str]:
        text = self.cleaned_data.get("external_members") or ""
        return [line.strip() for line in text.splitlines() if line.strip()]


class DecisionForm(forms.Form):
    text = forms.CharField(label=_("Decision"), widget=forms.Textarea({"rows": 2}))
    responsible = PersonChoiceField(
        label=_("Responsible"), queryset=User.objects.none(), required=False
    )
    due_on = forms.DateField(label=_("Due"), widget=date_input(), required=False)

    def __init__(self, *args: Any, school: OrgUnit, **kw: Any):
        super().__init__(*args, **kw)
        self.fields["responsible"].queryset = school_people(school)  # type: ignore[attr-defined]
