"""The figures the compliance overview reads: screening rounds done this school year and
pupils of concern without a review in time, per school, counts only."""

import datetime as dt

import pytest

from haven.care import services
from haven.care.models import ConcernEntry, ScreeningRound
from haven.care.tests.helpers import build_world, register
from haven.orgs import calendar
from haven.orgs.models import OrgUnit
from haven.orgs.tests.factories import JurisdictionFactory


@pytest.fixture
def world(tree):
    return build_world(tree)


def year_start(world, on):
    return calendar.school_year(world.tree.school_a, on).start


def test_each_school_counts_the_rounds_of_its_own_school_year(world):
    """On 20 September, a round of 10 August is this year's for a Dutch school (its year
    starts on 1 August) and last year's for a Romanian one: each school's calendar decides."""
    dutch = JurisdictionFactory(code="NL", languages=["nl"], time_zone="Europe/Amsterdam")
    on = dt.date(2026, 9, 20)
    OrgUnit.objects.filter(pk=world.tree.school_b.pk).update(jurisdiction=dutch)
    for school in (world.tree.school_a, world.tree.school_b):
        ScreeningRound.objects.create(
            school=school,
            name="August round",
            starts_on=dt.date(2026, 8, 10),
            ends_on=dt.date(2026, 8, 14),
            created_by=world.users["coordinator"],
        )
    from haven.care import compliance

    schools = list(OrgUnit.objects.filter(pk__in=[world.tree.school_a.pk, world.tree.school_b.pk]))
    year = calendar.school_year(world.tree.school_b, on).year  # 2026 in both calendars
    rounds = compliance.screening_rounds(schools, year)
    assert rounds[world.tree.school_a.pk][1] == 0
    assert rounds[world.tree.school_b.pk][1] == 1


def make_round(world, starts_on, answered):
    round_ = services.screening_round_create(
        actor=world.users["coordinator"],
        school=world.tree.school_a,
        name=f"Round {starts_on}",
        starts_on=starts_on,
        ends_on=starts_on + dt.timedelta(days=7),
    )
    for answer in round_.answers.all()[:answered]:
        services.screening_none_found(actor=world.users["coordinator"], answer=answer)
    return round_


def test_overview_indicators_agree_with_the_care_figures(world):
    from haven.care import compliance
    from haven.prevention.selectors import calendar_of

    on = world.today
    year = year_start(world, on)
    make_round(world, year, answered=2)
    make_round(world, on, answered=1)
    register(world)
    late = register(world, target=world.pupil_b)
    ConcernEntry.objects.filter(pk=late.pk).update(review_on=on - dt.timedelta(days=1))
    schools = [world.tree.school_a, world.tree.school_b]
    school_year = next(
        y for y in (on.year, on.year - 1) if calendar_of(schools[0]).year_bounds(y)[0] <= on
    )
    rounds = compliance.screening_rounds(schools, school_year)
    reviews = compliance.concern_reviews(schools, school_year)
    assert rounds[world.tree.school_a.pk] == (1, 2) and rounds[world.tree.school_b.pk] == (0, 0)
    assert reviews[world.tree.school_a.pk] == (1, 2)
