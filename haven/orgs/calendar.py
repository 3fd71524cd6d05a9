"""The school calendar of each jurisdiction: school years, terms, holidays and school days.

One definition for the whole platform (nothing else computes a school year or a semester).
The calendars are data, ``haven/orgs/data/calendars/<jurisdiction code>.yaml`` (``GEN.yaml``
for any jurisdiction without its own file), validated on load and refused naming the file and
the line. A jurisdiction's administrator layers overrides over its file in the admin: weekend
days, school hours and extra days without school (``Holiday`` rows). A school's holiday
region (the Netherlands' north/middle/south) is ``OrgUnit.calendar_region`` on the school or
its nearest ancestor that has one, else the file's default region.

Periods, and where a date falls:
- a school year runs from the file's ``school_year_start`` to the day before the next one;
  it is named by the year it starts in (``year`` 2026, ``label``/``key`` "2026-2027"), which
  is what prevention (an integer) and surveys (the label) store;
- terms (semesters, terms, learning modules or quarters) tile their school year without gaps:
  a term's period runs from its start to the day before the next term starts, the first term
  from the school year's start and the last to the school year's end. So a holiday between two
  terms belongs to the term before it, and **a summer date belongs to the last term of the
  school year that is ending** (reports per term count every day exactly once); the term's own
  teaching dates stay available as ``teaching_start``/``teaching_end``;
- days and calendar months are what they are, whatever the school year.

This module is model-free: it reads units and jurisdictions by their attributes, so ``orgs``,
the procedure clock and every app above can use it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache, cached_property
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

from haven.lib.clock import Calendar
from haven.lib.datafile import DataFileError, Reader, languages_for, read_yaml
from haven.lib.errors import InvalidInput
from haven.lib.i18n import pick

DATA = Path(__file__).resolve().parent / "data" / "calendars"
GENERIC = "GEN"
TERM_KINDS = ("semester", "term", "module", "quarter")
# ``period`` kinds: a term kind asks for the jurisdiction's own terms, whatever they are called.
KINDS = ("day", "month", *TERM_KINDS, "school_year")
# School years (by the year they start) Haven places dates in: a date outside them is a typing
# slip (year 0001, 20260), refused in words instead of failing deep in the date arithmetic.
FIRST_YEAR, LAST_YEAR = 1900, 2199


class CalendarFileError(DataFileError):
    pass


MonthDay = tuple[int, int]


def _md_date(year: int, md: MonthDay) -> dt.date:
    """``md`` in ``year``; 29 February is the last day of February in a common year."""
    month, day = md
    if (month, day) == (2, 29):
        return dt.date(year, 3, 1) - dt.timedelta(days=1)
    return dt.date(year, month, day)


def _in_school_year(start: MonthDay, year: int, md: MonthDay) -> dt.date:
    """The date of ``md`` inside the school year that starts on ``start`` in ``year``."""
    return _md_date(year if md >= start else year + 1, md)


# --------------------------------------------------------------------------------------------
# What a calendar file holds


@dataclass(frozen=True)
class Term:
    key: str
    names: dict[str, str]
    start: MonthDay  # the rule, for school years the file does not date
    end: MonthDay


@dataclass(frozen=True)
class HolidaySpan:
    """Days without school, ``start`` to ``end`` inclusive; ``regions`` empty means all."""

    key: str
    names: dict[str, str] = field(compare=False)
    start: dt.date
    end: dt.date
    regions: frozenset[str] = frozenset()

    @property
    def name(self) -> str:
        return pick(self.names)


@dataclass(frozen=True)
class _RuleHoliday:
    key: str
    start: MonthDay
    end: MonthDay
    regions: frozenset[str]


@dataclass(frozen=True, eq=False)
class _Year:
    terms: dict[str, tuple[dt.date, dt.date]] | None  # None: the rule's dates
    holidays: tuple[HolidaySpan, ...]
    school_days: frozenset[dt.date]  # weekend days that are school days (make-up days)


@dataclass(frozen=True, eq=False)
class CalendarData:
    code: str
    path: str
    school_year_start: MonthDay
    weekend: frozenset[int]
    term_kind: str
    terms: tuple[Term, ...]
    names: dict[str, dict[str, str]]
    regions: tuple[str, ...]
    default_region: str
    rule_holidays: tuple[_RuleHoliday, ...]
    years: dict[int, _Year]

    def year_start(self, year: int) -> dt.date:
        return _md_date(year, self.school_year_start)

    def in_year(self, year: int, md: MonthDay) -> dt.date:
        """The date of ``md`` inside the school year that starts in ``year``."""
        return _in_school_year(self.school_year_start, year, md)


# --------------------------------------------------------------------------------------------
# Reading and checking a file


class _Reader(Reader):
    error = CalendarFileError

    def month_day(self, node: Any, key: str, value: Any) -> MonthDay:
        try:
            month, day = (int(part) for part in str(value).split("-"))
            _md_date(2024, (month, day))  # a leap year: 02-29 is a valid month-day
        except ValueError:
            raise self.fail(
                node, f"{key} must be a month-day like '09-01' (got {value!r})"
            ) from None
        return month, day

    def date(self, node: Any, key: str, value: Any) -> dt.date:
        if isinstance(value, dt.date):
            return value
        try:
            return dt.date.fromisoformat(str(value))
        except ValueError:
            raise self.fail(node, f"{key} must be a date like 2025-09-08 (got {value!r})") from None

    def regions(self, node: Any, known: tuple[str, ...]) -> frozenset[str]:
        given = self.get(node, "regions", list, required=False) or []
        unknown = sorted(str(r) for r in given if r not in known)
        if unknown:
            raise self.fail(node, f"unknown region(s) {unknown}; the file declares {list(known)}")
        return frozenset(str(r) for r in given)

    def only(self, node: Any, allowed: set[str]) -> None:
        unknown = sorted(str(k) for k in node if k not in allowed)
        if unknown:
            raise self.fail(node, f"unknown setting(s) {unknown}")


def load_file(path: Path) -> CalendarData:
    """One calendar file, checked: a mistake raises ``CalendarFileError`` with its line."""
    r = _Reader(path)
    root = read_yaml(path, CalendarFileError)
    if not isinstance(root, dict):
        raise r.fail(root, "a calendar file is a mapping")
    r.only(
        root,
        {"code", "source", "school_year_start", "weekend_days", "term_kind", "terms", "names"}
        | {"regions", "default_region", "holidays", "years"},
    )
    code = str(r.get(root, "code", str))
    if code != path.stem:
        raise r.fail(root, f"code {code!r} does not match the file name {path.stem!r}")
    r.languages = languages_for(code)
    start = r.month_day(root, "school_year_start", r.get(root, "school_year_start", str))
    weekend = r.get(root, "weekend_days", list)
    if not all(isinstance(d, int) and not isinstance(d, bool) and 0 <= d <= 6 for d in weekend):
        raise r.fail(root, "weekend_days lists days from 0 (Monday) to 6 (Sunday)")
    term_kind = r.get(root, "term_kind", str)
    if term_kind not in TERM_KINDS:
        raise r.fail(root, f"term_kind must be one of {', '.join(TERM_KINDS)}")

    names = {
        str(key): r.texts(r.get(root, "names", dict), str(key), entry="names")
        for key in r.get(root, "names", dict)
    }

    def name_of(node: Any) -> str:
        key = str(r.get(node, "name", str))
        if key not in names:
            raise r.fail(node, f"name {key!r} is not among the file's names")
        return key

    regions = tuple(str(x) for x in (r.get(root, "regions", list, required=False) or []))
    default_region = str(r.get(root, "default_region", str, required=bool(regions)) or "")
    if regions and default_region not in regions:
        raise r.fail(root, f"default_region {default_region!r} is not among {list(regions)}")

    def position(md: MonthDay) -> dt.date:  # where a month-day falls in a school year
        return _in_school_year(start, 2024, md)

    terms: list[Term] = []
    for node in r.get(root, "terms", list):
        r.only(node, {"key", "name", "start", "end"})
        key = str(r.get(node, "key", str))
        term = Term(
            key=key,
            names=names[name_of(node)],
            start=r.month_day(node, "start", r.get(node, "start", str)),
            end=r.month_day(node, "end", r.get(node, "end", str)),
        )
        if position(term.end) < position(term.start):
            raise r.fail(node, f"term {key}: ends before it starts (or after the school year)")
        if terms and position(term.start) <= position(terms[-1].end):
            raise r.fail(node, f"term {key}: starts before the term before it ends")
        if key in {t.key for t in terms}:
            raise r.fail(node, f"term {key}: the key is used twice")
        terms.append(term)
    if not terms:
        raise r.fail(root, "terms must list at least one term")

    rule_holidays = []
    for node in r.get(root, "holidays", list, required=False) or []:
        r.only(node, {"name", "start", "end", "regions"})
        rule_holidays.append(
            _RuleHoliday(
                key=name_of(node),
                start=r.month_day(node, "start", r.get(node, "start", str)),
                end=r.month_day(node, "end", r.get(node, "end", str)),
                regions=r.regions(node, regions),
            )
        )

    years: dict[int, _Year] = {}
    for year, node in (r.get(root, "years", dict, required=False) or {}).items():
        if not isinstance(year, int):
            raise r.fail(node, f"a school year is named by the year it starts in (got {year!r})")
        r.only(node, {"source", "terms", "holidays", "school_days"})
        first = _md_date(year, start)
        last = _md_date(year + 1, start) - dt.timedelta(days=1)
        dated: dict[str, tuple[dt.date, dt.date]] = {}
        # A year may date only its holidays; its terms then follow the rule.
        given = r.get(node, "terms", dict, required=False) or {}
        if given and sorted(given) != sorted(t.key for t in terms):
            raise r.fail(node, f"{year}: terms must date exactly {[t.key for t in terms]}")
        previous_end = first - dt.timedelta(days=1)
        for term in terms if given else ():
            span = given[term.key]
            if not (isinstance(span, list) and len(span) == 2):
                raise r.fail(node, f"{year}: term {term.key} is [first day, last day]")
            begin, end = (r.date(node, f"term {term.key}", v) for v in span)
            if not (previous_end < begin <= end <= last):
                raise r.fail(
                    node,
                    f"{year}: term {term.key} must lie inside the school year, after the "
                    "term before it",
                )
            dated[term.key] = (begin, end)
            previous_end = end
        spans = []
        for h in r.get(node, "holidays", list, required=False) or []:
            r.only(h, {"name", "start", "end", "regions"})
            begin = r.date(h, "start", r.get(h, "start", (str, dt.date)))
            end = r.date(h, "end", h.get("end", begin))
            if end < begin:
                raise r.fail(h, "a holiday ends before it starts")
            key = name_of(h)
            spans.append(HolidaySpan(key, names[key], begin, end, r.regions(h, regions)))
        extra = frozenset(
            r.date(node, "school_days", d)
            for d in (r.get(node, "school_days", list, required=False) or [])
        )
        years[year] = _Year(dated or None, tuple(spans), extra)

    return CalendarData(
        code=code,
        path=str(path),
        school_year_start=start,
        weekend=frozenset(weekend),
        term_kind=term_kind,
        terms=tuple(terms),
        names=names,
        regions=regions,
        default_region=default_region,
        rule_holidays=tuple(rule_holidays),
        years=years,
    )


@cache
def calendar_data(code: str) -> CalendarData:
    """The checked file of ``code``, or the generic one when the jurisdiction has none."""
    path = DATA / f"{code}.yaml"
    return load_file(path if path.exists() else DATA / f"{GENERIC}.yaml")


def codes() -> list[str]:
    return sorted(p.stem for p in DATA.glob("*.yaml"))


# --------------------------------------------------------------------------------------------
# Answers


@dataclass(frozen=True)
class SchoolYear:
    year: int  # the calendar year it starts in
    start: dt.date
    end: dt.date

    @property
    def label(self) -> str:
        return f"{self.year}-{self.year + 1}"

    @property
    def key(self) -> str:
        return self.label

    def __contains__(self, day: dt.date) -> bool:
        return self.start <= day <= self.end

    def on(self, month: int, day: int) -> dt.date:
        """The date of a month-day inside this school year (a deadline such as 30 September;
        29 February is the last day of February)."""
        return _in_school_year((self.start.month, self.start.day), self.start.year, (month, day))

    def month(self, month: int) -> tuple[dt.date, dt.date]:
        """The first and last day of ``month`` inside this school year."""
        first = self.on(month, 1)
        following = (first + dt.timedelta(days=32)).replace(day=1)
        return first, following - dt.timedelta(days=1)


@dataclass(frozen=True)
class Period:
    kind: str  # day, month, the calendar's term kind, or school_year
    start: dt.date
    end: dt.date
    key: str  # stable: "2026-09-15", "2026-09", "2025-2026/M1", "2025-2026"
    school_year: SchoolYear
    names: dict[str, str] = field(default_factory=dict, compare=False)
    teaching_start: dt.date | None = None  # a term's own dates, inside start..end
    teaching_end: dt.date | None = None

    @property
    def name(self) -> str:
        """The term's name in the active language; the key for other kinds."""
        return pick(self.names) if self.names else self.key

    def __contains__(self, day: dt.date) -> bool:
        return self.start <= day <= self.end


@dataclass(frozen=True, eq=False)
class SchoolCalendar(Calendar):
    """A jurisdiction's calendar for one school: the file, the administrator's overrides and
    the school's region. It is the procedure clock's calendar too (``haven.lib.clock``)."""

    data: CalendarData | None = None
    # The school's holiday region and the administrator's extra days without school are read
    # when first needed (a query each): school years and terms need neither.
    region_source: Callable[[], str] | None = None
    holiday_source: Callable[[], Iterable[tuple[dt.date, str]]] | None = None

    @cached_property
    def region(self) -> str:
        data = self.file
        return self.region_source() if self.region_source else data.default_region

    @property
    def file(self) -> CalendarData:
        assert self.data is not None
        return self.data

    @cached_property
    def extra_holidays(self) -> dict[dt.date, str]:
        """The administrator's days without school, by date, with the name they gave."""
        if self.holiday_source is None:
            return dict.fromkeys(self.holidays, "")
        return dict(self.holiday_source())

    # School years

    def school_year(self, day: dt.date) -> SchoolYear:
        data = self.file
        year = day.year if (day.month, day.day) >= data.school_year_start else day.year - 1
        return self.school_year_of(year)

    def school_year_of(self, year: int) -> SchoolYear:
        if not FIRST_YEAR <= year <= LAST_YEAR:
            raise InvalidInput(
                _("Give a date between %(first)s and %(last)s.")
                % {"first": FIRST_YEAR, "last": LAST_YEAR}
            )
        data = self.file
        return SchoolYear(
            year, data.year_start(year), data.year_start(year + 1) - dt.timedelta(days=1)
        )

    # Terms

    def terms(self, year: SchoolYear) -> list[Period]:
        """The terms of ``year``, tiling it (see the module's note)."""
        data = self.file
        dated = data.years.get(year.year)
        teaching = [
            dated.terms[t.key]
            if dated and dated.terms
            else (data.in_year(year.year, t.start), data.in_year(year.year, t.end))
            for t in data.terms
        ]
        starts = [year.start, *(begin for begin, _ in teaching[1:])]
        ends = [s - dt.timedelta(days=1) for s in starts[1:]] + [year.end]
        return [
            Period(
                kind=data.term_kind,
                start=start,
                end=end,
                key=f"{year.key}/{term.key}",
                school_year=year,
                names=term.names,
                teaching_start=span[0],
                teaching_end=span[1],
            )
            for term, span, start, end in zip(data.terms, teaching, starts, ends, strict=True)
        ]

    def period(self, day: dt.date, kind: str) -> Period:
        year = self.school_year(day)
        if kind == "day":
            return Period("day", day, day, day.isoformat(), year)
        if kind == "month":
            first = day.replace(day=1)
            last = (first + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
            return Period("month", first, last, f"{day:%Y-%m}", year)
        if kind in TERM_KINDS:
            return next(p for p in self.terms(year) if day in p)
        if kind == "school_year":
            return Period("school_year", year.start, year.end, year.key, year)
        raise ValueError(f"unknown period kind {kind!r}; one of {', '.join(KINDS)}")

    def periods(self, kind: str, start: dt.date, end: dt.date) -> list[Period]:
        """Every period of ``kind`` that overlaps ``start``..``end``, in order."""
        found: list[Period] = []
        day = start
        while day <= end:
            current = self.period(day, kind)
            found.append(current)
            day = current.end + dt.timedelta(days=1)
        return found

    # Holidays and school days

    def _year_holidays(self, year: int) -> tuple[HolidaySpan, ...]:
        return _holidays_of(self.file, year)

    def holidays_between(self, start: dt.date, end: dt.date) -> list[HolidaySpan]:
        """The file's holidays for this school's region that overlap ``start``..``end``, then
        the administrator's extra days."""
        first, last = self.school_year(start).year - 1, self.school_year(end).year
        spans = [
            h
            for year in range(first, last + 1)
            for h in self._year_holidays(year)
            if h.start <= end and h.end >= start and (not h.regions or self.region in h.regions)
        ]
        # Named as the administrator typed it, in whatever language that was.
        spans += [
            HolidaySpan("extra", {"": name}, day, day)
            for day, name in sorted(self.extra_holidays.items())
            if start <= day <= end
        ]
        return sorted(set(spans), key=lambda h: (h.start, h.end, h.key))

    def is_holiday(self, day: dt.date) -> bool:
        if day in self.extra_holidays:
            return True
        year = self.school_year(day).year
        return any(
            h.start <= day <= h.end and (not h.regions or self.region in h.regions)
            for y in (year - 1, year)
            for h in self._year_holidays(y)
        )

    def is_school_day(self, day: dt.date) -> bool:
        dated = self.file.years.get(self.school_year(day).year)
        if dated and day in dated.school_days and day not in self.extra_holidays:
            return True
        return day.weekday() not in self.weekend and not self.is_holiday(day)


@cache
def _holidays_of(data: CalendarData, year: int) -> tuple[HolidaySpan, ...]:
    """The holidays of the school year starting in ``year``: the file's dated list, else the
    rule (month-days placed in that school year; a range may run past its end)."""
    dated = data.years.get(year)
    if dated:
        return dated.holidays
    spans = []
    for rule in data.rule_holidays:
        begin = data.in_year(year, rule.start)
        end = _md_date(begin.year, rule.end)
        if end < begin:
            end = _md_date(begin.year + 1, rule.end)
        spans.append(HolidaySpan(rule.key, data.names[rule.key], begin, end, rule.regions))
    return tuple(spans)


# --------------------------------------------------------------------------------------------
# The public API: a school (an org unit), a jurisdiction or a jurisdiction code


def _region_of(unit: Any, data: CalendarData) -> str:
    if not data.regions:
        return ""
    region: str = getattr(unit, "calendar_region", "") or ""
    stored = getattr(unit, "pk", None) is not None and bool(getattr(unit, "path", ""))
    if not region and stored:
        # The nearest ancestor that names a region (one query, only when the unit has none).
        rows = type(unit).objects.filter(path__in=unit.ancestor_paths()[:-1])
        region = next(
            (r for r in rows.order_by("-path").values_list("calendar_region", flat=True) if r),
            "",
        )
    return region if region in data.regions else data.default_region


def calendar_for(subject: Any) -> SchoolCalendar:
    """The calendar of a school (or any org unit), a jurisdiction, or a jurisdiction code."""
    if isinstance(subject, SchoolCalendar):
        return subject
    if isinstance(subject, str):
        data = calendar_data(subject)
        return SchoolCalendar(weekend=data.weekend, data=data)
    unit = subject if hasattr(subject, "jurisdiction") else None
    jurisdiction = unit.jurisdiction if unit is not None else subject
    data = calendar_data(jurisdiction.code)
    pk = jurisdiction.pk
    return SchoolCalendar(
        time_zone=jurisdiction.time_zone or "UTC",
        # The administrator's weekend replaces the file's; none set keeps the file's.
        weekend=frozenset(jurisdiction.weekend_days or data.weekend),
        work_start=jurisdiction.school_day_start,
        work_end=jurisdiction.school_day_end,
        data=data,
        region_source=(lambda: _region_of(unit, data)) if unit is not None else None,
        holiday_source=(lambda: jurisdiction.holidays.values_list("date", "name"))
        if pk is not None
        else None,
    )


def school_year(subject: Any, day: dt.date) -> SchoolYear:
    return calendar_for(subject).school_year(day)


def school_year_of(subject: Any, year: int) -> SchoolYear:
    """The school year that starts in ``year`` (as prevention stores it)."""
    return calendar_for(subject).school_year_of(year)


def period(subject: Any, day: dt.date, kind: str) -> Period:
    return calendar_for(subject).period(day, kind)


def periods(subject: Any, kind: str, start: dt.date, end: dt.date) -> list[Period]:
    return calendar_for(subject).periods(kind, start, end)


def is_school_day(subject: Any, day: dt.date) -> bool:
    return calendar_for(subject).is_school_day(day)


def holidays(subject: Any, start: dt.date, end: dt.date) -> list[HolidaySpan]:
    return calendar_for(subject).holidays_between(start, end)


def weekend_days(subject: Any) -> frozenset[int]:
    return calendar_for(subject).weekend
