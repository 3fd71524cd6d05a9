"""Who reads pupils of concern, screening rounds and committee meetings: need-to-know.

The register is for the school's coordinator, principal and psychologist, plus each entry's
assigned adults (``concern_condition``); the level above (inspectors, administrators) gets
counts only. Pages, lists and services all ask these rules.
"""

from typing import Any

from django.db.models import Q, QuerySet

from haven.care.models import CommitteeMeeting, ConcernEntry, ScreeningAnswer
from haven.cases import access as case_access
from haven.orgs import access
from haven.orgs.access import can, member_school_ids, unit_ids
from haven.orgs.models import Role
from haven.orgs.types import Viewer, signed_in


class Perm(case_access.Perm):
    CONCERN_VIEW = "concern.view"  # every pupil of concern of the school: register, follow up
    CARE_MANAGE = "care.manage"  # screening rounds and committee meetings of the school
    CARE_FIGURES = "care.figures"  # counts per school: no pupil's name, no entry


access.grant(
    {
        Role.COORDINATOR: {Perm.CONCERN_VIEW, Perm.CARE_MANAGE, Perm.CARE_FIGURES},
        Role.PRINCIPAL: {Perm.CONCERN_VIEW, Perm.CARE_MANAGE, Perm.CARE_FIGURES},
        Role.PSYCHOLOGIST: {Perm.CONCERN_VIEW, Perm.CARE_FIGURES},
        Role.INSPECTOR: {Perm.CARE_FIGURES},
        Role.ADMIN: {Perm.CARE_FIGURES},
    }
)
# These open cases or registers: their holders sign in with a second factor.
access.content_perms(Perm.CONCERN_VIEW, Perm.CARE_MANAGE)


def concern_condition(user: Viewer, prefix: str = "") -> Q:
    """Which pupils of concern the user may read: every entry of the schools where they hold
    ``CONCERN_VIEW``, and the entries they are the responsible adult or mentor of, while they
    still belong to the school."""
    if not signed_in(user) or not getattr(user, "is_active", False):
        return Q(pk__in=[])
    condition = Q(**{f"{prefix}school__in": unit_ids(user, Perm.CONCERN_VIEW)})
    mine = member_school_ids(user)
    if mine:
        condition |= Q(**{f"{prefix}school__in": mine}) & (
            Q(**{f"{prefix}responsible": user}) | Q(**{f"{prefix}mentor_user": user})
        )
    return condition


def concerns_visible(user: Viewer) -> QuerySet[ConcernEntry]:
    return ConcernEntry.objects.filter(concern_condition(user))


def can_manage_concern(user: Viewer, entry: Any) -> bool:
    """Register, reassign, close: the school's coordinator, principal and psychologist."""
    return can(user, Perm.CONCERN_VIEW, entry.school)


def can_follow_up_concern(user: Viewer, entry: Any) -> bool:
    """Add to the follow-up log: whoever may read the entry."""
    return concerns_visible(user).filter(pk=entry.pk).exists()


def screening_condition(user: Viewer, prefix: str = "") -> Q:
    """Screening rounds the user may see: the schools they run or oversee, and the rounds
    where they answer for a class."""
    if not signed_in(user) or not getattr(user, "is_active", False):
        return Q(pk__in=[])
    school = f"{prefix}school__in"
    condition = Q(**{school: unit_ids(user, Perm.CARE_MANAGE)}) | Q(
        **{school: unit_ids(user, Perm.CARE_FIGURES)}
    )
    mine = member_school_ids(user)
    if mine:
        answering = ScreeningAnswer.objects.filter(responsible=user).values("round_id")
        condition |= Q(**{school: mine}) & Q(**{f"{prefix}pk__in": answering})
    return condition


def screening_details_visible(user: Viewer, round_: Any) -> bool:
    """What was found, class by class: the school's people, never the level above."""
    school = round_.school
    return can(user, Perm.CARE_MANAGE, school) or can(user, Perm.CONCERN_VIEW, school)


def can_answer_screening(user: Viewer, answer: Any) -> bool:
    """A class's findings: its responsible teacher, the coordinator and the principal."""
    school = answer.round.school
    if can(user, Perm.CARE_MANAGE, school):
        return True
    return answer.responsible_id == user.pk and school.pk in member_school_ids(user)


def meeting_condition(user: Viewer, prefix: str = "") -> Q:
    """Committee meetings: the schools' coordinators, principals and psychologists, and the
    members who were present."""
    if not signed_in(user) or not getattr(user, "is_active", False):
        return Q(pk__in=[])
    condition = Q(**{f"{prefix}school__in": unit_ids(user, Perm.CARE_MANAGE)}) | Q(
        **{f"{prefix}school__in": unit_ids(user, Perm.CONCERN_VIEW)}
    )
    mine = member_school_ids(user)
    if mine:
        present = CommitteeMeeting.members.through.objects.filter(user=user)
        condition |= Q(**{f"{prefix}school__in": mine}) & Q(
            **{f"{prefix}pk__in": present.values("committeemeeting_id")}
        )
    return condition
