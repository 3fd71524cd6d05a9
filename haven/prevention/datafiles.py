"""The prevention app's data files (plan templates, pledge texts, rules), validated on load.

Like procedure files, a file that does not validate is refused with its name and line, and
every text carries all six languages.
"""

import datetime as dt
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from haven.lib.datafile import DataFileError as _BaseError
from haven.lib.datafile import Reader, read_yaml
from haven.lib.i18n import pick
from haven.orgs import calendar as orgs_calendar
from haven.orgs.calendar import SchoolCalendar

DATA = Path(__file__).resolve().parent / "data"
GOALS = {
    "awareness",
    "education",
    "environment",
    "staff",
    "cooperation",
    "rules",
    "information",
}


class DataFileError(_BaseError):
    pass


class _Texts(Reader):
    error = DataFileError

    def month_day(self, node: Any, key: str, value: Any) -> tuple[int, int]:
        try:
            month, day = (int(part) for part in str(value).split("-"))
            dt.date(2024, month, day)  # a leap year: 02-29 is a valid month-day
        except (ValueError, TypeError) as exc:
            raise self.fail(node, f'{key} must be a month-day such as "09-30"') from exc
        return month, day


def _read(path: Path) -> Any:
    return read_yaml(path, DataFileError)


# Plan templates


@dataclass(frozen=True)
class TemplateActivity:
    goal: str
    what: dict[str, str]
    lead: tuple[dict[str, str], ...]
    participants: tuple[dict[str, str], ...]
    months: tuple[int, int]


@dataclass(frozen=True)
class PlanTemplate:
    code: str
    names: dict[str, str]
    source: str
    activities: tuple[TemplateActivity, ...] = field(default_factory=tuple)

    @property
    def name(self) -> str:
        return pick(self.names)


def load_templates(path: Path | None = None) -> dict[str, PlanTemplate]:
    path = path or DATA / "plan_templates.yaml"
    r = _Texts(path)
    root = _read(path)
    people_node = r.get(root, "people", dict)
    people = {code: r.texts(people_node, code) for code in people_node}
    found: dict[str, PlanTemplate] = {}
    for item in r.get(root, "templates", list):
        activities = []
        for node in r.get(item, "activities", list):
            goal = r.get(node, "goal", str)
            if goal not in GOALS:
                raise r.fail(node, f"unknown goal {goal!r}; goals are {sorted(GOALS)}")
            refs = {}
            for key in ("lead", "participants"):
                codes = r.get(node, key, list)
                unknown = [c for c in codes if c not in people]
                if unknown:
                    raise r.fail(node, f"{key}: unknown people {unknown}; add them to people")
                refs[key] = tuple(people[c] for c in codes)
            months = r.get(node, "months", list)
            if len(months) != 2 or not all(isinstance(m, int) and 1 <= m <= 12 for m in months):
                raise r.fail(node, "months must be [first month, last month], each 1 to 12")
            activities.append(
                TemplateActivity(
                    goal=goal,
                    what=r.texts(node, "what"),
                    lead=refs["lead"],
                    participants=refs["participants"],
                    months=(months[0], months[1]),
                )
            )
        code = r.get(item, "code", str)
        if code in found:
            raise r.fail(item, f"template code {code!r} is used twice")
        found[code] = PlanTemplate(
            code=code,
            names=r.texts(item, "name"),
            source=r.get(item, "source", str, required=False) or "",
            activities=tuple(activities),
        )
    if not found:
        raise r.fail(root, "at least one template is needed")
    return found


@cache
def templates() -> dict[str, PlanTemplate]:
    return load_templates()


# Pledge texts


@dataclass(frozen=True)
class PledgeText:
    code: str
    version: int
    jurisdictions: tuple[str, ...]
    titles: dict[str, str]
    texts: dict[str, str]

    @property
    def title(self) -> str:
        return pick(self.titles)

    @property
    def text(self) -> str:
        return pick(self.texts)


def load_pledges(path: Path | None = None) -> dict[str, PledgeText]:
    path = path or DATA / "pledges.yaml"
    r = _Texts(path)
    root = _read(path)
    found: dict[str, PledgeText] = {}
    for item in r.get(root, "texts", list):
        code = r.get(item, "code", str)
        version = r.get(item, "version", int)
        if code in found:
            raise r.fail(item, f"pledge text {code!r} is given twice")
        if version < 1:
            raise r.fail(item, "version must be 1 or more")
        found[code] = PledgeText(
            code=code,
            version=version,
            jurisdictions=tuple(str(j) for j in r.get(item, "jurisdictions", list)),
            titles=r.texts(item, "title"),
            texts=r.texts(item, "text"),
        )
    if "generic" not in found:
        raise r.fail(root, "a 'generic' pledge text is needed for jurisdictions without one")
    return found


@cache
def pledges() -> dict[str, PledgeText]:
    return load_pledges()


def pledge_for(jurisdiction_code: str) -> PledgeText:
    """The jurisdiction's own pledge text, else the generic one."""
    found = pledges()
    for text in found.values():
        if jurisdiction_code in text.jurisdictions:
            return text
    return found["generic"]


# Prevention rules per jurisdiction. School years and semesters are the jurisdiction's school
# calendar (``haven.orgs.calendar``); this file only holds what prevention adds to it.


@dataclass(frozen=True)
class PreventionRules:
    pledge_deadline: tuple[int, int] = (9, 30)  # a month-day inside the school year
    min_parent_meetings_per_semester: int = 2  # per term of the jurisdiction's calendar


def load_rules(path: Path | None = None) -> dict[str, PreventionRules]:
    """``{"": defaults, "<jurisdiction code>": rules}``."""
    path = path or DATA / "rules.yaml"
    r = _Texts(path)
    root = _read(path)

    def read(node: Any, base: PreventionRules) -> PreventionRules:
        known = {"source", "pledge_deadline", "min_parent_meetings_per_semester"}
        unknown = sorted(set(node) - known)
        if unknown:
            raise r.fail(node, f"unknown setting(s) {unknown}")
        values: dict[str, Any] = {}
        if "pledge_deadline" in node:
            values["pledge_deadline"] = r.month_day(
                node, "pledge_deadline", node["pledge_deadline"]
            )
        if "min_parent_meetings_per_semester" in node:
            minimum = r.get(node, "min_parent_meetings_per_semester", int)
            if minimum < 0:
                raise r.fail(node, "min_parent_meetings_per_semester must be 0 or more")
            values["min_parent_meetings_per_semester"] = minimum
        return PreventionRules(**{**base.__dict__, **values})

    defaults = read(r.get(root, "defaults", dict), PreventionRules())
    found = {"": defaults}
    for code, node in (r.get(root, "jurisdictions", dict, required=False) or {}).items():
        found[str(code)] = read(node, defaults)
    return found


@cache
def rules() -> dict[str, PreventionRules]:
    return load_rules()


def rules_for(jurisdiction_code: str) -> PreventionRules:
    found = rules()
    return found.get(jurisdiction_code, found[""])


@dataclass(frozen=True)
class PreventionCalendar:
    """A school's calendar (``haven.orgs.calendar``) read the way prevention counts: a school
    year is named by the year it starts in, as plans, pledges and commitments store it."""

    school: SchoolCalendar
    rules: PreventionRules

    @property
    def min_parent_meetings_per_semester(self) -> int:
        return self.rules.min_parent_meetings_per_semester

    def year_of(self, day: dt.date) -> int:
        return self.school.school_year(day).year

    def year_bounds(self, year: int) -> tuple[dt.date, dt.date]:
        school_year = self.school.school_year_of(year)
        return school_year.start, school_year.end

    def pledge_deadline_in(self, year: int) -> dt.date:
        return self.school.school_year_of(year).on(*self.rules.pledge_deadline)

    def month_start(self, year: int, month: int) -> dt.date:
        return self.school.school_year_of(year).month(month)[0]

    def month_end(self, year: int, month: int) -> dt.date:
        return self.school.school_year_of(year).month(month)[1]

    def semester_of(self, day: dt.date) -> tuple[dt.date, dt.date]:
        """The first and last day of the term (semester, module, quarter) ``day`` is in."""
        term = self.school.period(day, "semester")
        return term.start, term.end


def calendar_for(unit: Any) -> PreventionCalendar:
    """The prevention calendar of a school or unit (or a jurisdiction code)."""
    code = unit if isinstance(unit, str) else unit.jurisdiction.code
    return PreventionCalendar(orgs_calendar.calendar_for(unit), rules_for(code))
