"""Deadlines on a jurisdiction's clock: hours, calendar days or school days.

School days skip weekends and holidays; a deadline in school days falls at the end of the
working day in the jurisdiction's own time zone, so "within 5 school days" means what a school
means by it, whatever time zone the server keeps. A school's calendar
(``haven.orgs.calendar.SchoolCalendar``) is a ``Calendar`` with its own ``is_school_day``.
"""

import datetime as dt
import zoneinfo
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Calendar:
    time_zone: str = "UTC"
    weekend: frozenset[int] = frozenset({5, 6})  # Monday is 0
    holidays: frozenset[dt.date] = field(default_factory=frozenset)
    work_start: dt.time = dt.time(8, 0)
    work_end: dt.time = dt.time(16, 0)

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    def is_school_day(self, day: dt.date) -> bool:
        return day.weekday() not in self.weekend and day not in self.holidays

    def end_of(self, day: dt.date) -> dt.datetime:
        return dt.datetime.combine(day, self.work_end, tzinfo=self.zone)


MAX_SCAN = 3660  # days: a calendar with no school day in ten years is a broken calendar


def _step_school_days(calendar: Calendar, day: dt.date, count: int, direction: int) -> dt.date:
    scanned = 0
    while count > 0:
        day += dt.timedelta(days=direction)
        scanned += 1
        if scanned > MAX_SCAN:
            raise ValueError("the calendar has no school days")
        if calendar.is_school_day(day):
            count -= 1
    return day


def add(start: dt.datetime, amount: int, unit: str, calendar: Calendar) -> dt.datetime:
    """``start`` plus ``amount`` hours, calendar days or school days."""
    if start.tzinfo is None:
        raise ValueError("aware datetimes only")
    if unit == "hours":
        return start + dt.timedelta(hours=amount)
    if unit == "calendar_days":
        return start + dt.timedelta(days=amount)
    if unit == "school_days":
        local = start.astimezone(calendar.zone)
        # The day the event happened counts as day 0, even if it is a school day.
        day = _step_school_days(calendar, local.date(), amount, +1) if amount else local.date()
        if amount == 0 and not calendar.is_school_day(day):
            day = _step_school_days(calendar, day, 1, +1)
        return calendar.end_of(day)
    raise ValueError(f"unknown unit {unit!r}")


def subtract(deadline: dt.datetime, amount: int, unit: str, calendar: Calendar) -> dt.datetime:
    """The moment ``amount`` units before ``deadline`` (for reminders)."""
    if unit == "hours":
        return deadline - dt.timedelta(hours=amount)
    if unit == "calendar_days":
        return deadline - dt.timedelta(days=amount)
    if unit == "school_days":
        local = deadline.astimezone(calendar.zone)
        day = _step_school_days(calendar, local.date(), amount, -1)
        return dt.datetime.combine(day, local.timetz().replace(tzinfo=None), tzinfo=calendar.zone)
    raise ValueError(f"unknown unit {unit!r}")
