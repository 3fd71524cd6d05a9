"""Survey counts of one school for one school year, from the surveys app's stored aggregates.

The school's ``UnitAggregate`` row is already its whole year (every campaign of the year, one
per class, each pupil counted at most once: ``surveys.aggregates.school_year_rows``), so this
reads it and never the responses. What is stored rolls up by summing: respondents and invited
pupils, the victims and perpetrators with the number who answered the item, and for each
scale n, the sum and the sum of squares of the pupils' scores (in thousandths, rounded per
school, so that a county's figure is exactly the sum of its schools' cells). A school that ran
two instruments in a year has both summed (their pupils may then count twice).
"""

from __future__ import annotations

import datetime as dt

from haven.insights.indicators import (
    BULLY_PARTS,
    SURVEY_SCALES,
    SURVEY_SUM_SCALE,
    VICTIM_PARTS,
    survey_parts,
)
from haven.lib.errors import InvalidInput
from haven.lib.stats import Aggregate, sum_aggregates
from haven.orgs.calendar import SchoolYear, calendar_for
from haven.orgs.models import OrgUnit
from haven.surveys.models import UnitAggregate


def survey_counts(school_id: int, year: SchoolYear) -> dict[str, int]:
    """The counts of the school's surveys in ``year``, by indicator code (none without
    answers). The refresh stores them on the year's first day."""
    rows = UnitAggregate.objects.filter(unit_id=school_id, period=year.label).values_list(
        "data", flat=True
    )
    total = sum_aggregates(Aggregate.from_json(data) for data in rows if data)
    if not total.respondents:
        return {}
    counts: dict[str, int] = {
        "surveys.respondents": total.respondents,
        "surveys.invited": total.eligible,
    }
    for flag, (x_code, n_code) in (("victim", VICTIM_PARTS), ("bully", BULLY_PARTS)):
        prop = total.props.get(flag)
        if prop is not None:
            counts[x_code], counts[n_code] = prop.x, prop.n
    for scale in SURVEY_SCALES:
        moments = total.means.get(scale)
        if moments is not None and moments.n:
            n_code, sum_code, sumsq_code = survey_parts(scale)
            counts[n_code] = moments.n
            counts[sum_code] = round(moments.total * SURVEY_SUM_SCALE)
            counts[sumsq_code] = round(moments.sumsq * SURVEY_SUM_SCALE)
    return counts


def school_year_start(school: OrgUnit, period: str) -> dt.date | None:
    """The first day of the school year a survey period label ("2026-2027") names."""
    try:
        return calendar_for(school).school_year_of(int(period[:4])).start
    except (ValueError, InvalidInput):  # not a label, or outside the calendar's years
        return None
