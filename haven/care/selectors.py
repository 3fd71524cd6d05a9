"""Reads of the care registers. Every selector takes the acting user and returns only what
that user may see; the level above gets counts per school, never a pupil's entry."""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet

from haven.care import access as care_access
from haven.care.access import Perm
from haven.care.models import (
    CommitteeMeeting,
    ConcernEntry,
    ItemStatus,
    ScreeningAnswer,
    ScreeningItem,
    ScreeningRound,
)
from haven.cases import access as case_access
from haven.cases.models import Case
from haven.lib.errors import NotFound
from haven.orgs import access
from haven.orgs.models import Membership, OrgUnit, Role, User
from haven.orgs.types import Viewer, signed_in

# People and schools


def school_people(school: OrgUnit) -> QuerySet[User]:
    """Active users with a role on the school or one of its classes (partner agencies apart)."""
    held = Membership.objects.filter(unit__in=OrgUnit.objects.subtree_of(school)).exclude(
        role=Role.AGENCY
    )
    return User.objects.filter(pk__in=held.values("user_id"), is_active=True).order_by(
        "full_name", "email"
    )


def class_teacher(class_unit: OrgUnit) -> User | None:
    """The class teacher as the roster knows one: a staff member whose role is on the class."""
    membership = (
        Membership.objects.filter(unit=class_unit, role=Role.STAFF, user__is_active=True)
        .select_related("user")
        .order_by("created_at", "pk")
        .first()
    )
    return membership.user if membership else None


def care_schools(*, user: Viewer, perm: str) -> QuerySet[OrgUnit]:
    """Schools where the user may do ``perm``."""
    return access.units(user, perm).filter(kind=OrgUnit.Kind.SCHOOL).order_by("name")


# Pupils of concern


def concern_list(
    *, user: Viewer, school: OrgUnit | None = None, open_only: bool = True
) -> QuerySet[ConcernEntry]:
    entries = care_access.concerns_visible(user).select_related(
        "pupil__class_unit", "school", "responsible", "mentor_user"
    )
    if school is not None:
        entries = entries.filter(school=school)
    if open_only:
        entries = entries.filter(status=ConcernEntry.Status.OPEN)
    return entries.order_by("status", "review_on", "pk")


def concern_get(*, user: Viewer, pk: int) -> ConcernEntry:
    entry = (
        care_access.concerns_visible(user)
        .select_related("pupil__class_unit", "school__jurisdiction", "responsible", "mentor_user")
        .filter(pk=pk)
        .first()
    )
    if entry is None:
        raise NotFound()
    return entry


def concern_cases(*, user: Viewer, entry: ConcernEntry) -> QuerySet[Case]:
    """The cases the pupil is a party to, among those the viewer may see."""
    return (
        case_access.cases_visible(user)
        .filter(parties__pupil=entry.pupil_id)
        .distinct()
        .order_by("-opened_at")
    )


@dataclass(frozen=True)
class ConcernCount:
    school: OrgUnit
    open: int
    review_overdue: int


def concern_counts(
    *, user: Viewer, on: dt.date, under: OrgUnit | None = None
) -> list[ConcernCount]:
    """Per school the user has figures for: open entries and reviews overdue. Counts only."""
    schools = care_schools(user=user, perm=Perm.CARE_FIGURES)
    if under is not None:
        schools = schools.filter(pk__in=OrgUnit.objects.subtree_of(under).values("pk"))
    counts = {
        row["school"]: row
        for row in ConcernEntry.objects.filter(
            school__in=schools.values("pk"), status=ConcernEntry.Status.OPEN
        )
        .values("school")
        .annotate(open=Count("pk"), overdue=Count("pk", filter=Q(review_on__lt=on)))
    }
    return [
        ConcernCount(
            school=school,
            open=counts.get(school.pk, {}).get("open", 0),
            review_overdue=counts.get(school.pk, {}).get("overdue", 0),
        )
        for school in schools
    ]


# Screening rounds


def round_list(*, user: Viewer, school: OrgUnit | None = None) -> QuerySet[ScreeningRound]:
    """Rounds with their progress: classes answered of all classes, open and overdue findings."""
    rounds = ScreeningRound.objects.filter(care_access.screening_condition(user)).select_related(
        "school"
    )
    if school is not None:
        rounds = rounds.filter(school=school)
    return rounds.annotate(
        classes_total=Count("answers", distinct=True),
        classes_answered=Count(
            "answers", filter=Q(answers__answered_at__isnull=False), distinct=True
        ),
    ).order_by("-starts_on", "-pk")


def round_get(*, user: Viewer, pk: int) -> ScreeningRound:
    found = round_list(user=user).filter(pk=pk).first()
    if found is None:
        raise NotFound()
    return found


def round_answers(*, user: Viewer, round_: ScreeningRound) -> QuerySet[ScreeningAnswer]:
    """The classes whose findings the user may read: all of them for the school's people who
    run screening, a teacher's own classes, none for the level above."""
    answers = ScreeningAnswer.objects.filter(round=round_).select_related(
        "class_unit", "responsible", "answered_by"
    )
    if care_access.screening_details_visible(user, round_):
        return answers
    if signed_in(user) and round_.school_id in access.member_school_ids(user):
        return answers.filter(responsible=user)
    return answers.none()


def round_item_counts(*, round_: ScreeningRound, on: dt.date) -> dict[str, int]:
    """Findings of the round by state, with the open ones past their due date: no text."""
    items = ScreeningItem.objects.filter(answer__round=round_)
    return items.aggregate(
        total=Count("pk"),
        open=Count("pk", filter=Q(status=ItemStatus.OPEN)),
        overdue=Count("pk", filter=Q(status=ItemStatus.OPEN, due_on__lt=on)),
        resolved=Count("pk", filter=Q(status=ItemStatus.RESOLVED)),
        cases=Count("pk", filter=Q(status=ItemStatus.CASE)),
    )


def round_done(round_: Any) -> bool:
    return bool(round_.classes_total > 0 and round_.classes_answered == round_.classes_total)


# Committee meetings


def meeting_list(*, user: Viewer, school: OrgUnit | None = None) -> QuerySet[CommitteeMeeting]:
    meetings = CommitteeMeeting.objects.filter(care_access.meeting_condition(user)).select_related(
        "school"
    )
    if school is not None:
        meetings = meetings.filter(school=school)
    return meetings.order_by("-held_on", "-pk")


def meeting_get(*, user: Viewer, pk: int) -> CommitteeMeeting:
    meeting = meeting_list(user=user).filter(pk=pk).first()
    if meeting is None:
        raise NotFound()
    return meeting


def meeting_concerns(*, user: Viewer, meeting: CommitteeMeeting) -> QuerySet[ConcernEntry]:
    """The pupils of concern discussed that the viewer may see (the others stay hidden)."""
    return (
        care_access.concerns_visible(user)
        .filter(pk__in=meeting.concerns.values("pk"))
        .select_related("pupil")
    )


def meeting_cases(*, user: Viewer, meeting: CommitteeMeeting) -> QuerySet[Case]:
    return case_access.cases_visible(user).filter(pk__in=meeting.cases.values("pk"))


def meeting_hidden_count(*, user: Viewer, meeting: CommitteeMeeting) -> int:
    """How many linked entries and cases the viewer may not open."""
    shown = (
        meeting_concerns(user=user, meeting=meeting).count()
        + meeting_cases(user=user, meeting=meeting).count()
    )
    return meeting.concerns.count() + meeting.cases.count() - shown
