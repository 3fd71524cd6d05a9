"""Reads of the prevention registers, for an acting user and through the access module."""

import datetime as dt
import zoneinfo
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Max, Q, QuerySet
from django.utils import timezone

from haven.intake.models import PosterPrint
from haven.lib.errors import NotFound
from haven.orgs import access
from haven.orgs.calendar import Period
from haven.orgs.models import OrgUnit, User
from haven.orgs.types import Viewer
from haven.prevention import datafiles
from haven.prevention.access import Perm
from haven.prevention.models import (
    ChannelPublication,
    ClassCommitment,
    Meeting,
    MeetingKind,
    PlanActivity,
    Pledge,
    PreventionPlan,
    SchoolCommitment,
    StaffNumber,
    Training,
)

# The roles that make someone a member of a school's staff (they sign, they are trained).
STAFF_ROLES = ("staff", "coordinator", "psychologist", "principal")


def today_at(unit: OrgUnit) -> dt.date:
    """Today where the unit is."""
    return timezone.localdate(timezone=zoneinfo.ZoneInfo(unit.jurisdiction.time_zone))


def calendar_of(unit: OrgUnit) -> datafiles.PreventionCalendar:
    return datafiles.calendar_for(unit)


def school_year_now(unit: OrgUnit) -> int:
    return calendar_of(unit).year_of(today_at(unit))


def school_staff(school: OrgUnit) -> QuerySet[User]:
    """Members of the school's staff: a staff role on the school or one of its classes."""
    return (
        User.objects.filter(
            Q(memberships__unit=school) | Q(memberships__unit__parent=school),
            memberships__role__in=STAFF_ROLES,
            is_active=True,
        )
        .distinct()
        .order_by("full_name", "email")
    )


def school_classes(school: OrgUnit) -> QuerySet[OrgUnit]:
    return OrgUnit.objects.filter(parent=school, kind=OrgUnit.Kind.CLASS).order_by("name")


def unit_get(*, user: Viewer, pk: int, perm: str = Perm.PREVENTION_VIEW) -> OrgUnit:
    """A unit the user may read the registers of; any other is not found."""
    unit = (
        access.units(user, perm)
        .exclude(kind=OrgUnit.Kind.CLASS)
        .select_related("jurisdiction")
        .filter(pk=pk)
        .first()
    )
    if unit is None:
        raise NotFound()
    return unit


def school_get(*, user: Viewer, pk: int, perm: str = Perm.PREVENTION_VIEW) -> OrgUnit:
    unit = unit_get(user=user, pk=pk, perm=perm)
    if unit.kind != OrgUnit.Kind.SCHOOL:
        raise NotFound()
    return unit


def top_unit(*, user: Viewer, perm: str) -> OrgUnit | None:
    """The highest unit the user may read with ``perm`` (their natural starting page)."""
    return (
        access.units(user, perm)
        .exclude(kind=OrgUnit.Kind.CLASS)
        .select_related("jurisdiction")
        .order_by("depth", "path")
        .first()
    )


def schools_for_pledge(*, user: Viewer) -> QuerySet[OrgUnit]:
    """Schools where the user is on the staff (a pledge is signed for one's own school)."""
    return (
        OrgUnit.objects.filter(
            Q(memberships__user=user) | Q(children__memberships__user=user),
            kind=OrgUnit.Kind.SCHOOL,
        )
        .filter(pk__in=access.units(user, Perm.PLEDGE_SIGN).values("pk"))
        .select_related("jurisdiction")
        .distinct()
        .order_by("name")
    )


# The plan


def plan_get(*, user: Viewer, unit: OrgUnit, year: int) -> PreventionPlan | None:
    if not access.can(user, Perm.PREVENTION_VIEW, unit):
        raise NotFound()
    return PreventionPlan.objects.filter(unit=unit, year=year).first()


def plan_activities_by_goal(*, plan: PreventionPlan) -> list[tuple[str, str, list[PlanActivity]]]:
    """[(goal code, goal label, activities)] in the goals' order, empty goals left out."""
    from haven.prevention.models import Goal

    activities = list(plan.activities.all())
    grouped = []
    for code, label in Goal.choices:
        items = [a for a in activities if a.goal == code]
        if items:
            grouped.append((code, str(label), items))
    return grouped


def activity_get(*, user: Viewer, pk: int) -> PlanActivity:
    activity = PlanActivity.objects.select_related("plan__unit__jurisdiction").filter(pk=pk).first()
    if activity is None or not access.can(user, Perm.PREVENTION_VIEW, activity.plan.unit):
        raise NotFound()
    return activity


def plans_below(*, user: Viewer, unit: OrgUnit, year: int) -> list[dict[str, Any]]:
    """Every plan of the year below ``unit`` (the unit's own included), with its completion."""
    if not access.can(user, Perm.PREVENTION_REVIEW, unit):
        raise NotFound()
    rows = (
        PreventionPlan.objects.filter(unit__in=OrgUnit.objects.subtree_of(unit), year=year)
        .select_related("unit")
        .annotate(
            total=Count("activities", filter=~Q(activities__status="cancelled")),
            done=Count("activities", filter=Q(activities__status="done")),
        )
        .order_by("unit__path")
    )
    return [{"plan": p, "done": p.done, "total": p.total} for p in rows]


# Trainings


def trainings_for(*, user: Viewer, unit: OrgUnit, year: int) -> QuerySet[Training]:
    """Trainings of the year held for the unit, the units above it (a zone's sessions for its
    principals) and the units below it."""
    if not access.can(user, Perm.PREVENTION_VIEW, unit):
        raise NotFound()
    start, end = calendar_of(unit).year_bounds(year)
    return (
        Training.objects.filter(
            Q(unit__in=OrgUnit.objects.subtree_of(unit)) | Q(unit__path__in=unit.ancestor_paths()),
            held_on__range=(start, end),
        )
        .select_related("unit")
        .annotate(present=Count("attendance"))
        .order_by("-held_on", "pk")
    )


def training_get(*, user: Viewer, pk: int) -> Training:
    training = Training.objects.select_related("unit__jurisdiction").filter(pk=pk).first()
    if training is None or not access.can(user, Perm.PREVENTION_VIEW, training.unit):
        raise NotFound()
    return training


def training_eligible(*, training: Training) -> QuerySet[User]:
    """Staff of the units the training was for."""
    return (
        User.objects.filter(
            memberships__unit__in=OrgUnit.objects.subtree_of(training.unit),
            memberships__role__in=STAFF_ROLES,
            is_active=True,
        )
        .distinct()
        .order_by("full_name", "email")
    )


def staff_training(*, user: Viewer, school: OrgUnit, year: int) -> list[tuple[User, int]]:
    """Each staff member of the school and how many trainings they attended this year."""
    if not access.can(user, Perm.PREVENTION_VIEW, school):
        raise NotFound()
    start, end = calendar_of(school).year_bounds(year)
    return [
        (member, member.sessions)
        for member in school_staff(school).annotate(
            sessions=Count(
                "training_attendance",
                filter=Q(training_attendance__training__held_on__range=(start, end)),
                distinct=True,
            )
        )
    ]


# Pledges


@dataclass
class PledgeRow:
    member: User
    pledge: Pledge | None
    late: bool  # not signed, and the deadline has passed
    signed_late: bool = False  # signed, but after the deadline (it still counts as signed)


def pledge_deadline_passed(school: OrgUnit, year: int) -> bool:
    """Whether today, where the school is, is after the pledge deadline of ``year``."""
    return today_at(school) > calendar_of(school).pledge_deadline_in(year)


def pledge_signed_late(pledge: Pledge, school: OrgUnit) -> bool:
    """Signed after the deadline of the pledge's school year: the day it was signed, where
    the school is, is after the deadline. Derived from what is stored, for online and paper
    signatures alike."""
    signed_on = pledge.signed_at.astimezone(zoneinfo.ZoneInfo(school.jurisdiction.time_zone))
    return signed_on.date() > calendar_of(school).pledge_deadline_in(pledge.year)


def pledge_status(*, user: Viewer, school: OrgUnit, year: int) -> tuple[list[PledgeRow], dt.date]:
    """Every staff member and their pledge of the year; who has not signed by the deadline,
    and who signed after it."""
    if not access.can(user, Perm.PREVENTION_REVIEW, school):
        raise NotFound()
    deadline = calendar_of(school).pledge_deadline_in(year)
    past_deadline = today_at(school) > deadline
    signed = {p.user_id: p for p in Pledge.objects.filter(school=school, year=year)}
    rows = []
    for member in school_staff(school):
        pledge = signed.get(member.pk)
        rows.append(
            PledgeRow(
                member=member,
                pledge=pledge,
                late=past_deadline and pledge is None,
                signed_late=pledge is not None and pledge_signed_late(pledge, school),
            )
        )
    return rows, deadline


def pledge_own(*, user: User, school: OrgUnit, year: int) -> Pledge | None:
    return Pledge.objects.filter(school=school, user=user, year=year).first()


def commitments(*, user: Viewer, school: OrgUnit, year: int) -> dict[str, Any]:
    if not access.can(user, Perm.PREVENTION_REVIEW, school):
        raise NotFound()
    by_class = {
        c.class_unit_id: c
        for c in ClassCommitment.objects.filter(class_unit__parent=school, year=year)
    }
    return {
        "classes": [(c, by_class.get(c.pk)) for c in school_classes(school)],
        "school": SchoolCommitment.objects.filter(school=school, year=year).first(),
    }


# Parent meetings and pupil sessions


def term_for(unit: OrgUnit, year: int) -> Period:
    """The term (semester, module, quarter) of ``year`` that is running, or the last one of a
    past year (the first of a future one)."""
    calendar = calendar_of(unit)
    today = today_at(unit)
    start, end = calendar.year_bounds(year)
    return calendar.school.period(min(max(today, start), end), "semester")


def semester_for(unit: OrgUnit, year: int) -> tuple[dt.date, dt.date]:
    term = term_for(unit, year)
    return term.start, term.end


def meetings_for(*, user: Viewer, school: OrgUnit, year: int) -> QuerySet[Meeting]:
    if not access.can(user, Perm.PREVENTION_VIEW, school):
        raise NotFound()
    start, end = calendar_of(school).year_bounds(year)
    return (
        Meeting.objects.filter(school=school, held_on__range=(start, end))
        .prefetch_related("classes")
        .order_by("-held_on", "pk")
    )


@dataclass
class ClassMeetings:
    class_unit: OrgUnit
    parent_meetings: int
    pupil_sessions: int
    below_minimum: bool


def class_meeting_counts(
    *, user: Viewer, school: OrgUnit, year: int
) -> tuple[list[ClassMeetings], int]:
    """Per class, meetings held this semester; flagged below the jurisdiction's minimum."""
    if not access.can(user, Perm.PREVENTION_VIEW, school):
        raise NotFound()
    minimum = calendar_of(school).min_parent_meetings_per_semester
    start, end = semester_for(school, year)
    counted = Q(prevention_meetings_held__held_on__range=(start, end))
    classes = school_classes(school).annotate(
        n_parents=Count(
            "prevention_meetings_held",
            filter=counted & Q(prevention_meetings_held__kind=MeetingKind.PARENTS),
        ),
        n_pupils=Count(
            "prevention_meetings_held",
            filter=counted & Q(prevention_meetings_held__kind=MeetingKind.PUPILS),
        ),
    )
    rows = [ClassMeetings(c, c.n_parents, c.n_pupils, c.n_parents < minimum) for c in classes]
    return rows, minimum


# Channels


@dataclass
class ClassChannels:
    class_unit: OrgUnit
    poster_at: dt.datetime | None
    channels: list[ChannelPublication]

    @property
    def reached(self) -> bool:
        return self.poster_at is not None or bool(self.channels)


def channel_status(*, user: Viewer, school: OrgUnit) -> tuple[list[ClassChannels], list[Any]]:
    """Per class: its poster's last print (from intake) and other channels made known; and
    the channels made known to the whole school."""
    if not access.can(user, Perm.PREVENTION_VIEW, school):
        raise NotFound()
    classes = list(school_classes(school))
    posters = dict(
        PosterPrint.objects.filter(unit__in=classes)
        .values("unit_id")
        .annotate(last=Max("produced_at"))
        .values_list("unit_id", "last")
    )
    published: dict[int, list[ChannelPublication]] = {}
    for item in ChannelPublication.objects.filter(unit__in=classes):
        published.setdefault(item.unit_id, []).append(item)
    rows = [ClassChannels(c, posters.get(c.pk), published.get(c.pk, [])) for c in classes]
    whole_school = list(ChannelPublication.objects.filter(unit=school))
    return rows, whole_school


def staff_number_get(*, school: OrgUnit, year: int) -> StaffNumber | None:
    """The school's declared staff number for the year (the caller may see the school)."""
    return StaffNumber.objects.filter(school=school, year=year).first()
