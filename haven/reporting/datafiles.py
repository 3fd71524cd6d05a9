"""Periodic report templates as data, one file per jurisdiction (``data/<code>.yaml``;
``GEN.yaml`` for a jurisdiction without its own), validated on load and refused naming the
file and the line, like procedure files.

A template says which report (``code``, ``names``), which levels make it (``levels``: unit
kinds, lowest first; a level above the lowest is made from the reports of the units below),
its period (``period``: ``month``, ``term`` — the jurisdiction's own terms from the school
calendar, optionally grouped (``groups``: a Romanian semester is modules 1-3) — or
``school_year``, optionally cut at ``until`` (the Dutch monitoring covers the year to May)),
its due date (``due``: ``days_after`` the period ends, or ``date``: the next month-day
after it), when to remind (``remind_days`` before the due date), who signs at each level
(``signers``: a role per level) and its sections: ``figures`` (insights indicator codes),
``breakdown`` (one indicator's breakdown), ``units`` (the units below and their reports),
``activities`` (the school's prevention plan and each activity's status) and ``narrative``
(text the school writes). Every text is given in the six languages; Kazakh (``kk``) is
accepted beside them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from haven.insights import indicators
from haven.lib.datafile import LANGUAGES, DataFileError, Reader, read_yaml
from haven.lib.i18n import pick
from haven.orgs.calendar import Period, SchoolCalendar

DATA = Path(__file__).resolve().parent / "data"
GENERIC = "GEN"
# Kazakh arrives with its interface catalogue on another branch: accepted, not yet required.
ACCEPTED_LANGUAGES = (*LANGUAGES, *(("kk",) if "kk" not in LANGUAGES else ()))
PERIODS = ("month", "term", "school_year")
SECTION_KINDS = ("figures", "breakdown", "units", "activities", "narrative")
SIGNER_ROLES = ("principal", "coordinator", "inspector", "admin")
LEVEL_KINDS = ("school", "zone", "district", "city", "county", "province", "region", "board")
TEXT_MAX = 20000


class TemplateFileError(DataFileError):
    pass


@dataclass(frozen=True)
class Section:
    kind: str
    code: str
    titles: dict[str, str]
    figures: tuple[str, ...] = ()  # figures, units: the codes; breakdown: the one code

    @property
    def title(self) -> str:
        return pick(self.titles)


@dataclass(frozen=True)
class Due:
    days_after: int | None = None
    on: tuple[int, int] | None = None  # month, day

    def date(self, period_end: dt.date) -> dt.date:
        if self.days_after is not None:
            return period_end + dt.timedelta(days=self.days_after)
        assert self.on is not None
        month, day = self.on
        for year in (period_end.year, period_end.year + 1):
            candidate = _month_day(year, month, day)
            if candidate > period_end:
                return candidate
        raise AssertionError("unreachable")  # pragma: no cover


def _month_day(year: int, month: int, day: int) -> dt.date:
    # 29 February is the last day of February in other years.
    try:
        return dt.date(year, month, day)
    except ValueError:
        return dt.date(year, month, day - 1)


@dataclass(frozen=True)
class Template:
    code: str
    jurisdiction: str
    names: dict[str, str]
    period: str
    levels: tuple[str, ...]
    due: Due
    remind_days: int
    signers: dict[str, str]
    sections: tuple[Section, ...]
    groups: tuple[tuple[str, ...], ...] = ()
    until: tuple[int, int] | None = None
    source: str = ""
    line: int = 0

    @property
    def name(self) -> str:
        return pick(self.names)

    def signer(self, level: str) -> str:
        return self.signers[level]

    @property
    def narrative(self) -> tuple[Section, ...]:
        return tuple(s for s in self.sections if s.kind == "narrative")

    @property
    def codes(self) -> list[str]:
        """Every indicator the template's figures and breakdowns read."""
        found: list[str] = []
        for s in self.sections:
            if s.kind in ("figures", "breakdown", "units"):
                found.extend(c for c in s.figures if c not in found)
        return found

    def period_of(self, cal: SchoolCalendar, day: dt.date) -> tuple[dt.date, dt.date, str]:
        """The report period ``day`` falls in: (start, end, key)."""
        if self.period == "month":
            p = cal.period(day, "month")
            return p.start, p.end, p.key
        year = cal.school_year(day)
        if self.period == "school_year":
            end = year.end
            if self.until:
                # The report covers the year up to the cut; a day after it (the Dutch June and
                # July) still belongs to this year's report, which has ended by then.
                end = year.on(*self.until)
            return year.start, end, year.key
        terms: list[Period] = cal.terms(year)
        term = next(t for t in terms if day in t)
        if not self.groups:
            return term.start, term.end, term.key
        short = term.key.rsplit("/", 1)[-1]
        group = next(g for g in self.groups if short in g)
        members = [t for t in terms if t.key.rsplit("/", 1)[-1] in group]
        return members[0].start, members[-1].end, f"{year.key}/{'+'.join(group)}"

    def last_ended(self, cal: SchoolCalendar, today: dt.date) -> tuple[dt.date, dt.date, str]:
        """The latest period that ended before ``today``."""
        start, end, key = self.period_of(cal, today)
        if end < today:  # a cut school year: the day falls after this year's period
            return start, end, key
        return self.period_of(cal, start - dt.timedelta(days=1))


@dataclass(frozen=True)
class TemplateFile:
    jurisdiction: str
    templates: dict[str, Template] = field(default_factory=dict)


class _Reader(Reader):
    error = TemplateFileError

    def texts(  # type: ignore[override]
        self, node: Any, key: str, *, required: bool = True, entry: str = "", **_: Any
    ) -> dict[str, str]:
        """The six languages required; Kazakh accepted (``Reader.texts`` knows only six)."""
        texts = self.get(node, key, dict, required)
        if texts is None:
            return {}
        where = f"{entry}: " if entry else ""
        missing = [lang for lang in LANGUAGES if not str(texts.get(lang) or "").strip()]
        if missing:
            raise self.fail(node, f"{where}{key} lacks a translation for {', '.join(missing)}")
        extra = sorted(str(k) for k in texts if k not in ACCEPTED_LANGUAGES)
        if extra or not all(isinstance(v, str) for v in texts.values()):
            raise self.fail(
                node,
                f"{where}{key} must give {', '.join(ACCEPTED_LANGUAGES)} as text "
                f"(unexpected: {', '.join(extra) or 'a value that is not text'})",
            )
        return {str(k): v.strip() for k, v in texts.items() if v.strip()}

    def month_day(self, node: Any, key: str) -> tuple[int, int]:
        value = self.get(node, key, str)
        try:
            month, day = (int(part) for part in value.split("-"))
            dt.date(2024, month, day)  # a leap year: 02-29 is a valid month-day
        except (ValueError, TypeError) as exc:
            raise self.fail(node, f'{key} must be a month-day such as "07-01"') from exc
        return month, day

    def only(self, node: Any, allowed: set[str], what: str) -> None:
        unknown = sorted(str(k) for k in node if k not in allowed)
        if unknown:
            raise self.fail(node, f"{what}: unknown key {', '.join(unknown)}")


def _section(r: _Reader, node: Any, template: str, seen: set[str]) -> Section:
    kind = r.get(node, "kind", str)
    if kind not in SECTION_KINDS:
        raise r.fail(node, f"{template}: section kind must be one of {', '.join(SECTION_KINDS)}")
    code = r.get(node, "code", str)
    if code in seen:
        raise r.fail(node, f"{template}: section {code!r} given twice")
    seen.add(code)
    r.only(node, {"kind", "code", "titles", "figures", "figure"}, f"{template}.{code}")
    titles = r.texts(node, "titles", entry=f"{template}.{code}")
    figures: tuple[str, ...] = ()
    if kind in ("figures", "units"):
        figures = tuple(r.get(node, "figures", list))
    elif kind == "breakdown":
        figures = (r.get(node, "figure", str),)
        ind = indicators.REGISTRY.get(figures[0])
        # A breakdown is declared (channels, durations) or open-ended by name (``*.by_*``).
        if ind is not None and not ind.breakdowns and not ind.code.split(".")[1].startswith("by_"):
            raise r.fail(node, f"{template}.{code}: {figures[0]} has no breakdown")
    unknown = [c for c in figures if c not in indicators.REGISTRY]
    if unknown:
        raise r.fail(node, f"{template}.{code}: unknown indicator {', '.join(map(str, unknown))}")
    if kind in ("figures", "units") and not figures:
        raise r.fail(node, f"{template}.{code}: list at least one figure")
    return Section(kind, code, titles, figures)


def _template(r: _Reader, node: Any, jurisdiction: str, seen: set[str]) -> Template:
    code = r.get(node, "code", str)
    if code in seen:
        raise r.fail(node, f"template {code!r} given twice")
    seen.add(code)
    r.only(
        node,
        {"code", "names", "source", "period", "groups", "until", "levels", "due"}
        | {"remind_days", "signers", "sections"},
        code,
    )
    names = r.texts(node, "names", entry=code)
    period = r.get(node, "period", str)
    if period not in PERIODS:
        raise r.fail(node, f"{code}: period must be one of {', '.join(PERIODS)}")
    groups: tuple[tuple[str, ...], ...] = ()
    if "groups" in node:
        if period != "term":
            raise r.fail(node, f"{code}: groups are for a term period")
        raw = r.get(node, "groups", list)
        groups = tuple(tuple(str(t) for t in g) for g in raw if isinstance(g, list))
        if len(groups) != len(raw) or not all(groups):
            raise r.fail(node, f"{code}: groups must be lists of term keys")
    until = None
    if "until" in node:
        if period != "school_year":
            raise r.fail(node, f"{code}: until is for a school_year period")
        until = r.month_day(node, "until")
    levels = tuple(r.get(node, "levels", list))
    if not levels or any(level not in LEVEL_KINDS for level in levels):
        raise r.fail(node, f"{code}: levels must be unit kinds among {', '.join(LEVEL_KINDS)}")
    due_node = r.get(node, "due", dict)
    if set(due_node) == {"days_after"}:
        days = r.get(due_node, "days_after", int)
        if not 0 <= days <= 366:
            raise r.fail(due_node, f"{code}: days_after must be 0 to 366")
        due = Due(days_after=days)
    elif set(due_node) == {"date"}:  # not "on": YAML reads that as true
        due = Due(on=r.month_day(due_node, "date"))
    else:
        raise r.fail(due_node, f"{code}: due takes days_after or date")
    remind = r.get(node, "remind_days", int, required=False)
    remind = 3 if remind is None else remind
    if not 0 <= remind <= 60:
        raise r.fail(node, f"{code}: remind_days must be 0 to 60")
    signers_node = r.get(node, "signers", dict)
    signers = {str(k): str(v) for k, v in signers_node.items()}
    if set(signers) != set(levels) or any(v not in SIGNER_ROLES for v in signers.values()):
        raise r.fail(
            signers_node, f"{code}: signers must name a role ({', '.join(SIGNER_ROLES)}) per level"
        )
    section_nodes = r.get(node, "sections", list)
    seen_sections: set[str] = set()
    sections = tuple(_section(r, s, code, seen_sections) for s in section_nodes)
    if not sections:
        raise r.fail(node, f"{code}: a report needs sections")
    return Template(
        code=code,
        jurisdiction=jurisdiction,
        names=names,
        period=period,
        levels=levels,
        due=due,
        remind_days=remind,
        signers=signers,
        sections=sections,
        groups=groups,
        until=until,
        source=str(node.get("source") or ""),
        line=getattr(node, "line", 0),
    )


def load_file(path: Path) -> TemplateFile:
    r = _Reader(path)
    root = read_yaml(path, TemplateFileError)
    if not isinstance(root, dict):
        raise r.fail(root, "expected a mapping with 'jurisdiction' and 'reports'")
    r.only(root, {"jurisdiction", "reports"}, path.name)
    jurisdiction = r.get(root, "jurisdiction", str)
    if jurisdiction != path.stem:
        raise r.fail(root, f"jurisdiction {jurisdiction!r} must match the file name")
    seen: set[str] = set()
    templates = [_template(r, node, jurisdiction, seen) for node in r.get(root, "reports", list)]
    return TemplateFile(jurisdiction, {t.code: t for t in templates})


def codes() -> list[str]:
    return sorted(p.stem for p in DATA.glob("*.yaml"))


@cache
def file_for(jurisdiction: str) -> TemplateFile:
    """The jurisdiction's templates, else the generic ones (read once per process)."""
    path = DATA / f"{jurisdiction}.yaml"
    return load_file(path if path.exists() else DATA / f"{GENERIC}.yaml")


def all_templates() -> list[Template]:
    return [t for code in codes() for t in file_for(code).templates.values()]


def template_get(code: str) -> Template | None:
    return next((t for t in all_templates() if t.code == code), None)
