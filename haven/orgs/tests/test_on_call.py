"""A duty covers a moment when the moment falls within one of its shifts: each shift starts on
one of its days at its start time and lasts until its end time, past midnight if need be."""

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from haven.orgs.models import OnCall

times = st.times().map(lambda t: t.replace(second=0, microsecond=0))
# Local times in the jurisdiction's zone (hypothesis takes naive bounds and adds the zone).
moments = st.datetimes(
    min_value=dt.datetime(2026, 1, 1),  # noqa: DTZ001
    max_value=dt.datetime(2026, 12, 31),  # noqa: DTZ001
    timezones=st.just(dt.UTC),
)


def shifts_cover(days: list[int], start: dt.time, end: dt.time, moment: dt.datetime) -> bool:
    """The definition, spelled out: the shifts starting yesterday or today."""
    moment = moment.replace(tzinfo=None)
    length = dt.datetime.combine(moment.date(), end) - dt.datetime.combine(moment.date(), start)
    length %= dt.timedelta(days=1)
    for back in (0, 1):
        day = moment.date() - dt.timedelta(days=back)
        if day.weekday() in days:
            begins = dt.datetime.combine(day, start)
            if begins <= moment < begins + length:
                return True
    return False


@given(st.lists(st.integers(0, 6), min_size=1, max_size=7), times, times, moments)
def test_a_duty_covers_exactly_its_shifts(days, start, end, moment):
    duty = OnCall(weekdays=sorted(set(days)), start_time=start, end_time=end)
    assert duty.covers(moment) == shifts_cover(days, start, end, moment)
