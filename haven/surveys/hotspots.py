"""Hotspots: where and when pupils feel least safe (the survey) beside where and when
incidents were reported (intake), one grid per school, by place and time of day.

The survey's place item lists the school's places as intake does (``place_choices``): the
default places numbered by their position in intake's list (1, 2, ...), the school's own
places by ``OWN_BASE`` + their id, so an answer keeps its place when the list grows. The time
item's options are intake's ``TimeOfDay`` in order (0 = before school ... 5 = online).

Survey counts go through the small-count rule (``lib.disclosure``): a cell of 1 to
``min_cell() - 1`` answers is hidden, and the grid shows no total of answers (no row, column
or grand total), so a hidden cell cannot be worked back from the others. Report counts are
the school's own register, shown to its staff as they are (as in the school's inbox).
"""

import dataclasses
from collections import Counter
from dataclasses import dataclass
from typing import Any

from django.db.models import Count

from haven.intake.models import Report, SchoolPlace, TimeOfDay
from haven.intake.places import place_choices
from haven.lib.disclosure import min_cell, small
from haven.lib.ttlcache import cached
from haven.orgs.models import OrgUnit
from haven.surveys.instruments import Option, Page, default_place_options
from haven.surveys.models import Campaign, Response

OWN_BASE = 1000
PLACE_ITEM = "unsafe_place"
TIME_ITEM = "unsafe_time"
TIMES: list[str] = [code for code, _label in TimeOfDay.choices]


def _own(school_id: int) -> list[tuple[int, str, str]]:
    """The school's own places as (survey value, code, label), read at most once a minute."""
    return cached(
        ("survey-places", school_id),
        60,
        lambda: [
            (OWN_BASE + pk, code, label)
            for pk, code, label in SchoolPlace.objects.filter(school_id=school_id)
            .order_by("label")
            .values_list("pk", "code", "label")
        ],
    )


def place_options(school_id: int) -> tuple[Option, ...]:
    """The survey's place options for a school, in ``place_choices``' order."""
    defaults = default_place_options()
    own = tuple(Option(value=value, labels={"en": label}) for value, _c, label in _own(school_id))
    return defaults[:-1] + own + defaults[-1:]


def with_school_places(pages: list[Page], school_id: int) -> list[Page]:
    """The pages with the place item's options made the school's."""
    if not any(item.places for page in pages for item in page.items):
        return pages
    options = place_options(school_id)
    # Only the page with the place question is rebuilt; the others stay the cached ones.
    return [
        dataclasses.replace(
            page,
            items=tuple(
                dataclasses.replace(item, options=options) if item.places else item
                for item in page.items
            ),
        )
        if any(item.places for item in page.items)
        else page
        for page in pages
    ]


def place_code(school_id: int, value: Any) -> str | None:
    """The intake place code of a survey answer (None for an unknown value)."""
    if not isinstance(value, int) or isinstance(value, bool):
        return None
    from haven.intake.places import default_places

    defaults = default_places()
    if 1 <= value <= len(defaults):
        return str(defaults[value - 1]["code"])
    return next((code for v, code, _label in _own(school_id) if v == value), None)


@dataclass
class Cell:
    reports: int
    answers: int | None  # None: hidden by the small-count rule
    answers_hidden: bool = False


@dataclass
class Grid:
    places: list[tuple[str, str]]  # (code, label), the school's place list
    times: list[tuple[str, str]]  # (code, label): TimeOfDay
    cells: dict[tuple[str, str], Cell]
    reports: int  # reports with a place and a time of day
    min_cell: int

    def rows(self) -> list[tuple[str, str, list[Cell]]]:
        return [
            (code, label, [self.cells[(code, t)] for t, _l in self.times])
            for code, label in self.places
        ]


def survey_counts(school: OrgUnit, campaigns: list[Campaign]) -> Counter[tuple[str, str]]:
    """Submitted answers naming both a place and a time, by (place code, time code)."""
    counts: Counter[tuple[str, str]] = Counter()
    answers = Response.objects.filter(campaign__in=campaigns).values_list("answers", flat=True)
    for given in answers.iterator():
        place = place_code(school.pk, given.get(PLACE_ITEM))
        time = given.get(TIME_ITEM)
        if place and isinstance(time, int) and 0 <= time < len(TIMES):
            counts[(place, TIMES[time])] += 1
    return counts


def report_counts(school: OrgUnit, reports: Any) -> Counter[tuple[str, str]]:
    rows = (
        reports.filter(school=school)
        .exclude(place="")
        .exclude(time_of_day="")
        .values_list("place", "time_of_day")
        .annotate(n=Count("pk"))
    )
    return Counter({(place, time): n for place, time, n in rows})


def grid(school: OrgUnit, campaigns: list[Campaign], reports: Any) -> Grid:
    """The grid of ``school`` from the answers of ``campaigns`` and the ``reports`` given
    (a queryset the caller read for the user, limited to the period)."""
    threshold = min_cell()
    answered = survey_counts(school, campaigns)
    reported = report_counts(school, reports if reports is not None else Report.objects.none())
    places = place_choices(school)
    known = {code for code, _label in places}
    # A place no longer on the list (a school's own place removed) still counts, by its code.
    for code in sorted({p for p, _t in answered} | {p for p, _t in reported} - known):
        if code not in known:
            places.append((code, code))
    cells = {}
    for code, _label in places:
        for time in TIMES:
            n = answered.get((code, time), 0)
            hide = small(n, threshold)
            cells[(code, time)] = Cell(
                reports=reported.get((code, time), 0),
                answers=None if hide else n,
                answers_hidden=hide,
            )
    return Grid(
        places=places,
        times=[(code, str(label)) for code, label in TimeOfDay.choices],
        cells=cells,
        reports=sum(reported.values()),
        min_cell=threshold,
    )
