"""The compliance overview: a list of indicators, each a count over a count per school.

An indicator is one entry in ``INDICATORS``: a key, a translated label, a function giving
each school's (numerator, denominator) for a school year, and the name of the page that lists
what is behind the figure (called with the school's id; the page checks the viewer's rights).
Totals add numerators and denominators: percentages are never averaged.

Other registers add their indicators with ``register`` (care does, from its AppConfig.ready:
care builds on prevention, never the other way round).
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Count, Q
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from haven.intake.models import PosterPrint
from haven.orgs.models import Membership, OrgUnit
from haven.prevention.models import (
    ActivityStatus,
    ChannelPublication,
    Meeting,
    MeetingKind,
    PlanActivity,
    Pledge,
    TrainingAttendance,
)
from haven.prevention.selectors import STAFF_ROLES, calendar_of, semester_for

Figures = dict[int, tuple[int, int]]


@dataclass(frozen=True)
class Indicator:
    key: str
    label: str | Promise
    figures: Callable[[list[OrgUnit], int], Figures]
    url_name: str  # a page taking the school's id, e.g. "prevention:plan"
    perm: str = "prevention.view"  # what the viewer needs to open the list behind it
    school_in_query: bool = False  # the page takes ``?school=<id>`` instead of an argument


def _staff(schools: list[OrgUnit]) -> dict[int, set[int]]:
    """Each school's staff members (a staff role on the school or one of its classes)."""
    ids = [s.pk for s in schools]
    staff: dict[int, set[int]] = defaultdict(set)
    rows = Membership.objects.filter(
        Q(unit_id__in=ids) | Q(unit__parent_id__in=ids, unit__kind=OrgUnit.Kind.CLASS),
        role__in=STAFF_ROLES,
        user__is_active=True,
    ).values_list("user_id", "unit_id", "unit__parent_id")
    wanted = set(ids)
    for user_id, unit_id, parent_id in rows:
        school_id = unit_id if unit_id in wanted else parent_id
        if school_id is not None:
            staff[school_id].add(user_id)
    return staff


def _classes(schools: list[OrgUnit]) -> dict[int, set[int]]:
    classes: dict[int, set[int]] = defaultdict(set)
    for pk, parent in OrgUnit.objects.filter(
        parent__in=[s.pk for s in schools], kind=OrgUnit.Kind.CLASS
    ).values_list("pk", "parent_id"):
        classes[parent].add(pk)
    return classes


def plan_completion(schools: list[OrgUnit], year: int) -> Figures:
    """Activities done over activities planned (cancelled ones left out)."""
    rows = (
        PlanActivity.objects.filter(plan__unit__in=[s.pk for s in schools], plan__year=year)
        .exclude(status=ActivityStatus.CANCELLED)
        .values("plan__unit_id")
        .annotate(total=Count("pk"), done=Count("pk", filter=Q(status=ActivityStatus.DONE)))
    )
    found = {r["plan__unit_id"]: (r["done"], r["total"]) for r in rows}
    return {s.pk: found.get(s.pk, (0, 0)) for s in schools}


def staff_trained(schools: list[OrgUnit], year: int) -> Figures:
    """Staff who attended at least one training this school year, over all staff."""
    staff = _staff(schools)
    everyone = set().union(*staff.values()) if staff else set()
    bounds = {s.pk: calendar_of(s).year_bounds(year) for s in schools}
    if not schools:
        return {}
    first = min(b[0] for b in bounds.values())
    last = max(b[1] for b in bounds.values())
    attended: dict[int, list[dt.date]] = defaultdict(list)
    for user_id, held_on in TrainingAttendance.objects.filter(
        user_id__in=everyone, training__held_on__range=(first, last)
    ).values_list("user_id", "training__held_on"):
        attended[user_id].append(held_on)
    figures = {}
    for school in schools:
        start, end = bounds[school.pk]
        members = staff.get(school.pk, set())
        trained = sum(1 for u in members if any(start <= d <= end for d in attended.get(u, [])))
        figures[school.pk] = (trained, len(members))
    return figures


def pledges_signed(schools: list[OrgUnit], year: int) -> Figures:
    """Staff who signed this school year's pledge, over all staff."""
    staff = _staff(schools)
    signed: dict[int, set[int]] = defaultdict(set)
    for school_id, user_id in Pledge.objects.filter(
        school__in=[s.pk for s in schools], year=year
    ).values_list("school_id", "user_id"):
        signed[school_id].add(user_id)
    return {
        s.pk: (len(signed[s.pk] & staff.get(s.pk, set())), len(staff.get(s.pk, set())))
        for s in schools
    }


def channels_published(schools: list[OrgUnit], year: int) -> Figures:
    """Classes that were given their report poster or told of another channel, over all
    classes. A poster on the wall keeps counting: it is not redone every year."""
    classes = _classes(schools)
    every_class = set().union(*classes.values()) if classes else set()
    reached = set(
        PosterPrint.objects.filter(unit_id__in=every_class).values_list("unit_id", flat=True)
    ) | set(
        ChannelPublication.objects.filter(unit_id__in=every_class).values_list("unit_id", flat=True)
    )
    return {
        s.pk: (len(classes.get(s.pk, set()) & reached), len(classes.get(s.pk, set())))
        for s in schools
    }


def parent_meetings(schools: list[OrgUnit], year: int) -> Figures:
    """Classes that held the jurisdiction's minimum of parent meetings this semester."""
    classes = _classes(schools)
    # Schools of one jurisdiction share a semester and a minimum: one query per jurisdiction.
    groups: dict[tuple[dt.date, dt.date, int], list[OrgUnit]] = defaultdict(list)
    for school in schools:
        start, end = semester_for(school, year)
        groups[(start, end, calendar_of(school).min_parent_meetings_per_semester)].append(school)
    figures = {}
    for (start, end, minimum), members in groups.items():
        wanted = set().union(*(classes.get(s.pk, set()) for s in members))
        rows = (
            Meeting.classes.through.objects.filter(
                orgunit_id__in=wanted,
                meeting__kind=MeetingKind.PARENTS,
                meeting__held_on__range=(start, end),
            )
            .values("orgunit_id")
            .annotate(n=Count("meeting_id"))
        )
        held = {row["orgunit_id"]: row["n"] for row in rows}
        for school in members:
            own = classes.get(school.pk, set())
            figures[school.pk] = (sum(1 for c in own if held.get(c, 0) >= minimum), len(own))
    return figures


INDICATORS: list[Indicator] = [
    Indicator("plan", _("Plan activities done"), plan_completion, "prevention:plan"),
    Indicator("trained", _("Staff trained"), staff_trained, "prevention:trainings"),
    Indicator(
        "pledges",
        _("Pledges signed"),
        pledges_signed,
        "prevention:pledges",
        perm="prevention.review",
    ),
    Indicator(
        "channels", _("Classes told how to report"), channels_published, "prevention:channels"
    ),
    Indicator(
        "meetings",
        _("Classes with enough parent meetings this semester"),
        parent_meetings,
        "prevention:meetings",
    ),
]


def register(*indicators: Indicator) -> None:
    """Adds indicators after those already listed (once each: a second call is a no-op)."""
    known = {i.key for i in INDICATORS}
    INDICATORS.extend(i for i in indicators if i.key not in known)


@dataclass
class Cell:
    numerator: int
    denominator: int

    @property
    def percent(self) -> int | None:
        if not self.denominator:
            return None
        return round(100 * self.numerator / self.denominator)


def overview(
    schools: list[OrgUnit], year: int
) -> tuple[list[tuple[OrgUnit, list[Cell]]], list[Cell]]:
    """One row per school and the total row, each a cell per indicator."""
    per_indicator = [indicator.figures(schools, year) for indicator in INDICATORS]
    rows = [
        (school, [Cell(*figures.get(school.pk, (0, 0))) for figures in per_indicator])
        for school in schools
    ]
    totals = [
        Cell(
            sum(f[0] for f in figures.values()),
            sum(f[1] for f in figures.values()),
        )
        for figures in per_indicator
    ]
    return rows, totals


def indicator_keys() -> list[str]:
    return [i.key for i in INDICATORS]
