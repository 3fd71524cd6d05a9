from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from haven.cases.models import CaseNotification, CaseParty, PartyRole, TeamRole
from haven.orgs.models import Membership, OrgUnit, Pupil, Role, User
from haven.procedures.loader import Procedure


def _choices(items: list[Any]) -> list[tuple[str, str]]:
    return [("", "—"), *[(item.code, item.name) for item in items]]


class CaseFactsForm(forms.Form):
    title = forms.CharField(label=_("Short title (no names)"), max_length=200)
    case_type = forms.ChoiceField(label=_("Case type"), required=False)
    severity = forms.ChoiceField(label=_("Severity"), required=False)
    determination = forms.ChoiceField(label=_("Determination"), required=False)
    determination_reason = forms.CharField(
        label=_("Reasons for the determination"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )
    narrative = forms.CharField(
        label=_("What happened"), widget=forms.Textarea(attrs={"rows": 5}), required=False
    )

    def __init__(self, *args: Any, procedure: Procedure, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["case_type"].choices = _choices(procedure.case_types)  # type: ignore[attr-defined]
        self.fields["severity"].choices = _choices(procedure.severities)  # type: ignore[attr-defined]
        self.fields["determination"].choices = _choices(procedure.determinations)  # type: ignore[attr-defined]


class NotificationForm(forms.Form):
    code = forms.ChoiceField(label=_("Notification"))
    recipient = forms.CharField(label=_("To whom"), max_length=200)
    method = forms.ChoiceField(label=_("How"), choices=CaseNotification.Method.choices)
    notified_at = forms.DateTimeField(
        label=_("When"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    proof = forms.CharField(label=_("Proof of delivery"), max_length=300)

    def __init__(self, *args: Any, procedure: Procedure, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["code"].choices = [(n.code, n.name) for n in procedure.notifications]  # type: ignore[attr-defined]


class PartyForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=PartyRole.choices)
    pupil = forms.ModelChoiceField(
        label=_("Pupil from the roster"), queryset=Pupil.objects.none(), required=False
    )
    description = forms.CharField(
        label=_("Who (if not on the roster, or a member of staff)"), max_length=200, required=False
    )
    is_staff = forms.BooleanField(label=_("A member of staff"), required=False)

    def __init__(self, *args: Any, school: OrgUnit, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["pupil"].queryset = Pupil.objects.filter(  # type: ignore[attr-defined]
            school=school, active=True
        ).select_related("class_unit")


class ReferralForm(forms.Form):
    kind = forms.ChoiceField(label=_("Refer to"))
    agency = forms.ModelChoiceField(label=_("Agency"), queryset=OrgUnit.objects.none())
    message = forms.CharField(
        label=_("What the agency needs to know"), widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, procedure: Procedure, school: OrgUnit, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(r.code, r.name) for r in procedure.referrals]  # type: ignore[attr-defined]
        # Agencies are units above the school (or the school) with partner-agency members.
        self.fields["agency"].queryset = OrgUnit.objects.filter(  # type: ignore[attr-defined]
            path__in=school.ancestor_paths(),
            pk__in=Membership.objects.filter(role=Role.AGENCY).values("unit_id"),
        )


class TeamForm(forms.Form):
    user = forms.ModelChoiceField(label=_("Person"), queryset=User.objects.none())
    role = forms.ChoiceField(label=_("Role in the case"), choices=TeamRole.choices)

    def __init__(self, *args: Any, school: OrgUnit, **kwargs: Any):
        super().__init__(*args, **kwargs)
        people = Membership.objects.filter(unit__path__in=school.ancestor_paths()).exclude(
            role=Role.AGENCY
        )
        self.fields["user"].queryset = User.objects.filter(  # type: ignore[attr-defined]
            pk__in=people.values("user_id"), is_active=True
        ).order_by("full_name")


class NoteForm(forms.Form):
    body = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 3}))
    restricted = forms.BooleanField(
        label=_("Restricted: only me and the principal"), required=False
    )

    def __init__(self, *args: Any, restricted: bool = True, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if not restricted:  # only the psychologist writes restricted notes
            del self.fields["restricted"]


class AppealForm(forms.Form):
    filed_by = forms.CharField(label=_("Appeal made by"), max_length=200)
    grounds = forms.CharField(
        label=_("Grounds of the appeal"), widget=forms.Textarea(attrs={"rows": 3})
    )


class AppealDecisionForm(forms.Form):
    appeal = forms.IntegerField(widget=forms.HiddenInput)
    outcome = forms.ChoiceField(
        label=_("Decision"),
        choices=[("upheld", _("determination upheld")), ("changed", _("determination changed"))],
        widget=forms.RadioSelect,
    )
    determination = forms.ChoiceField(label=_("New determination"), required=False)
    decision = forms.CharField(
        label=_("Decision and reasons"), widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, procedure: Procedure, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["determination"].choices = _choices(procedure.determinations)  # type: ignore[attr-defined]


class MeasureForm(forms.Form):
    what = forms.CharField(label=_("Measure"), max_length=300)
    party = forms.ModelChoiceField(
        label=_("For"), queryset=CaseParty.objects.none(), required=False
    )
    responsible = forms.ModelChoiceField(label=_("Responsible"), queryset=User.objects.none())
    due_on = forms.DateField(label=_("Due"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, case: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["party"].queryset = case.parties.all()  # type: ignore[attr-defined]
        team = TeamForm(school=case.school).fields["user"]
        self.fields["responsible"].queryset = team.queryset  # type: ignore[attr-defined]
