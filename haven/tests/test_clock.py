"""Property tests for the deadline clock."""

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from haven.lib.clock import Calendar, add, subtract

ZONES = ["Europe/Bucharest", "Asia/Almaty", "Europe/Amsterdam", "Asia/Shanghai", "UTC"]

calendars = st.builds(
    Calendar,
    time_zone=st.sampled_from(ZONES),
    weekend=st.sampled_from([frozenset({5, 6}), frozenset({6}), frozenset({4, 5})]),
    holidays=st.frozensets(
        st.dates(min_value=dt.date(2026, 1, 1), max_value=dt.date(2027, 12, 31)), max_size=40
    ),
)
starts = st.datetimes(
    # hypothesis takes naive bounds and adds the time zone itself
    min_value=dt.datetime(2026, 1, 1),  # noqa: DTZ001
    max_value=dt.datetime(2027, 6, 30),  # noqa: DTZ001
    timezones=st.just(dt.UTC),
)


@given(calendars, starts, st.integers(min_value=1, max_value=30))
def test_school_day_deadlines_skip_weekends_and_holidays_and_end_the_working_day(
    calendar, start, days
):
    deadline = add(start, days, "school_days", calendar)
    local = deadline.astimezone(calendar.zone)
    assert calendar.is_school_day(local.date())
    assert calendar.work_start <= local.time() <= calendar.work_end
    # exactly `days` school days after the day it started, that one not counted
    first = start.astimezone(calendar.zone).date()
    counted = sum(
        calendar.is_school_day(first + dt.timedelta(days=i))
        for i in range(1, (local.date() - first).days + 1)
    )
    assert counted == days
    assert deadline > start


@given(calendars, starts, st.integers(min_value=1, max_value=10), st.integers(0, 5))
def test_reminder_before_a_school_day_deadline_is_a_school_day_before_it(
    calendar, start, days, before
):
    deadline = add(start, days + before, "school_days", calendar)
    reminder = subtract(deadline, before, "school_days", calendar)
    assert reminder <= deadline
    assert calendar.is_school_day(reminder.astimezone(calendar.zone).date())


@given(calendars, starts, st.integers(0, 500))
def test_hours_and_calendar_days_are_plain_durations(calendar, start, amount):
    assert add(start, amount, "hours", calendar) - start == dt.timedelta(hours=amount)
    assert add(start, amount, "calendar_days", calendar) - start == dt.timedelta(days=amount)


def test_friday_afternoon_plus_one_school_day_is_monday_evening_in_bucharest():
    calendar = Calendar(time_zone="Europe/Bucharest")
    friday = dt.datetime(2026, 11, 27, 13, 0, tzinfo=dt.UTC)  # 15:00 in Bucharest
    deadline = add(friday, 1, "school_days", calendar)
    assert deadline == dt.datetime(2026, 11, 30, 16, 0, tzinfo=calendar.zone)
    # 1 December is Romania's national day: a holiday pushes it on
    holiday = Calendar(time_zone="Europe/Bucharest", holidays=frozenset({dt.date(2026, 12, 1)}))
    assert add(friday, 2, "school_days", holiday).date() == dt.date(2026, 12, 2)
