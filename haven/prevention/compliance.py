"""The compliance overview: a list of indicators, each a count over a count per school.

An indicator is one entry in ``INDICATORS``: a key, a translated label, a function giving
each school's (numerator, denominator) for a school year, and the name of the page that lists
what is behind the figure (called with the school's id; the page checks the viewer's rights).
Totals add numerators and denominators: percentages are never averaged.

Every school of the subtree counts: a school with nothing to count for an indicator (no plan,
no classes, no staff) is "no data", shown in its row and counted in the totals ("no data: 12
of 13 schools"), never dropped. Above the school the table also has one subtotal per unit
just below (the zones of a county). Indicators that count pupils (``personal``) go through
the small-count rule (``haven.lib.disclosure``, the deployment's ``HAVEN_MIN_CELL``) for
anyone who is not the school's own staff, with complementary hiding against the totals.

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
from haven.lib.disclosure import (
    COMPLEMENTARY,
    Shown,
    hidden,
    label_text,
    min_cell,
    protect_children,
    protect_proportion,
)
from haven.lib.stats import Proportion
from haven.orgs.models import PATH_SEGMENT, Membership, OrgUnit
from haven.prevention.models import (
    ActivityStatus,
    ChannelPublication,
    Meeting,
    MeetingKind,
    PlanActivity,
    Pledge,
    PreventionPlan,
    StaffNumber,
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
    # Counts of pupils: above the school, small counts are hidden (see ``overview``). Plan
    # activities, classes, rounds and staff duties are the school's accountability figures,
    # which the inspectorate reads school by school.
    personal: bool = False
    # Schools whose denominator stands in for a missing figure (Haven accounts for the
    # declared staff number): marked in the table.
    stand_in: "Callable[[list[OrgUnit], int], set[int]] | None" = None


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


def declared_staff(schools: list[OrgUnit], year: int) -> dict[int, int]:
    """Each school's declared staff number for the school year (``StaffNumber``)."""
    return dict(
        StaffNumber.objects.filter(school__in=[s.pk for s in schools], year=year).values_list(
            "school_id", "staff"
        )
    )


def staff_trained(schools: list[OrgUnit], year: int) -> Figures:
    """Staff who attended at least one training this school year, over the school's declared
    staff number; over its Haven staff accounts only while none is declared (marked: see
    ``accounts_only``). Trainings are recorded per account, so at most the declared number."""
    staff = _staff(schools)
    everyone = set().union(*staff.values()) if staff else set()
    bounds = {s.pk: calendar_of(s).year_bounds(year) for s in schools}
    if not schools:
        return {}
    declared = declared_staff(schools, year)
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
        total = declared.get(school.pk)
        figures[school.pk] = (min(trained, total), total) if total else (trained, len(members))
    return figures


def accounts_only(schools: list[OrgUnit], year: int) -> set[int]:
    """Schools without a declared staff number: their staff are counted as Haven accounts."""
    declared = declared_staff(schools, year)
    return {s.pk for s in schools if s.pk not in declared}


def plan_current(schools: list[OrgUnit], year: int) -> Figures:
    """Whether the school has a plan for the school year: 1 of 1, or 0 of 1 (every school
    has data here: the lack of a plan is the figure)."""
    with_plan = set(
        PreventionPlan.objects.filter(unit__in=[s.pk for s in schools], year=year).values_list(
            "unit_id", flat=True
        )
    )
    return {s.pk: (int(s.pk in with_plan), 1) for s in schools}


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
    Indicator("plan_current", _("Schools with a plan"), plan_current, "prevention:plan"),
    Indicator("plan", _("Plan activities done"), plan_completion, "prevention:plan"),
    Indicator(
        "trained",
        _("Staff trained"),
        staff_trained,
        "prevention:trainings",
        stand_in=accounts_only,
    ),
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
    """One figure: a school's, or the sum over the schools of a subtotal or total row.

    ``no_data``: schools with nothing to count (denominator 0), of ``schools``; ``marked``:
    schools whose denominator is a stand-in. ``shown`` is the small-count rule's verdict when
    it applies (None: shown as it is)."""

    numerator: int
    denominator: int
    schools: int = 1
    no_data: int = 0
    marked: int = 0
    shown: Shown | None = None

    @property
    def percent(self) -> int | None:
        if not self.denominator:
            return None
        return round(100 * self.numerator / self.denominator)

    @property
    def hidden(self) -> bool:
        return self.shown is not None and self.shown.hidden

    @property
    def band(self) -> str:
        """ "<5%" / ">95%" when the rule shows only a band, else ""."""
        if self.shown is None or self.shown.hidden or self.shown.label is None:
            return ""
        return label_text(self.shown)


def _cell(figure: tuple[int, int], marked: bool) -> Cell:
    n, d = figure
    return Cell(n, d, no_data=int(d == 0), marked=int(marked and d > 0))


def _sum(cells: list[Cell]) -> Cell:
    return Cell(
        sum(c.numerator for c in cells),
        sum(c.denominator for c in cells),
        schools=sum(c.schools for c in cells),
        no_data=sum(c.no_data for c in cells),
        marked=sum(c.marked for c in cells),
    )


@dataclass
class Overview:
    rows: list[tuple[OrgUnit, list[Cell]]]  # one per school
    groups: list[tuple[OrgUnit, list[Cell]]]  # one per unit just below (zones of a county)
    totals: list[Cell]


def _group_of(unit: OrgUnit | None, school: OrgUnit) -> str | None:
    """The path of the unit just below ``unit`` that holds ``school`` (None: ``school`` is
    itself just below, or there is no unit)."""
    if unit is None:
        return None
    end = len(unit.path) + PATH_SEGMENT
    below = school.path[:end]
    return below if below != school.path else None


def overview(
    schools: list[OrgUnit], year: int, *, unit: OrgUnit | None = None, protect: bool = False
) -> Overview:
    """One row per school, a subtotal per unit just below ``unit``, and the total row, each
    a cell per indicator. ``protect``: the viewer is not the schools' own staff, so the
    ``personal`` indicators go through the small-count rule."""
    per_indicator = [indicator.figures(schools, year) for indicator in INDICATORS]
    marked = [
        indicator.stand_in(schools, year) if indicator.stand_in else set()
        for indicator in INDICATORS
    ]
    rows = [
        (
            school,
            [
                _cell(figures.get(school.pk, (0, 0)), school.pk in stand_ins)
                for figures, stand_ins in zip(per_indicator, marked, strict=True)
            ],
        )
        for school in schools
    ]
    totals = [_sum([cells[i] for _school, cells in rows]) for i in range(len(INDICATORS))]
    paths = {_group_of(unit, s) for s in schools} - {None}
    below = {u.path: u for u in OrgUnit.objects.filter(path__in=paths)}
    members: dict[str, list[int]] = defaultdict(list)
    for index, (school, _cells) in enumerate(rows):
        path = _group_of(unit, school)
        if path is not None:
            members[path].append(index)
    width = range(len(INDICATORS))
    groups = [
        (below[path], [_sum([rows[r][1][i] for r in members[path]]) for i in width])
        for path in sorted(below, key=lambda p: below[p].name)
    ]
    if protect:
        for i, indicator in enumerate(INDICATORS):
            if indicator.personal:
                _protect(i, rows, groups, members, totals, below)
    return Overview(rows=rows, groups=groups, totals=totals)


def _prop(cell: Cell) -> Proportion:
    return Proportion(cell.numerator, cell.denominator)


def _protect(
    i: int,
    rows: list[tuple[OrgUnit, list[Cell]]],
    groups: list[tuple[OrgUnit, list[Cell]]],
    members: dict[str, list[int]],
    totals: list[Cell],
    below: dict[str, OrgUnit],
) -> None:
    """The small-count rule on indicator ``i``, down the tree: the total; the subtotals and
    the schools just below, as children of the total; each subtotal's schools as its children
    (all hidden with a hidden subtotal), so that no hidden cell is the difference of shown
    ones at any level."""
    total = totals[i]
    total.shown = protect_proportion(total.numerator, total.denominator, min_group=min_cell())
    grouped = {r for indexes in members.values() for r in indexes}
    top: dict[tuple[str, int], Proportion] = {
        ("group", g): _prop(cells[i]) for g, (_unit, cells) in enumerate(groups)
    }
    top.update({("school", r): _prop(rows[r][1][i]) for r in range(len(rows)) if r not in grouped})
    shown = protect_children(_prop(total), top, min_group=min_cell())
    for (kind, index), verdict in shown.items():
        if kind == "school":
            rows[index][1][i].shown = verdict
            continue
        group_unit, cells = groups[index]
        cells[i].shown = verdict
        indexes = members[group_unit.path]
        if verdict.hidden:
            for r in indexes:
                rows[r][1][i].shown = hidden(COMPLEMENTARY)
            continue
        inner = protect_children(
            _prop(cells[i]), {r: _prop(rows[r][1][i]) for r in indexes}, min_group=min_cell()
        )
        for r, school_verdict in inner.items():
            rows[r][1][i].shown = school_verdict


def indicator_keys() -> list[str]:
    return [i.key for i in INDICATORS]
