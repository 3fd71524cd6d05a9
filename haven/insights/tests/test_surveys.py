"""Survey figures in insights: read from the surveys app's whole-year aggregates, stored as
counts that sum up the tree, hidden above the school by the one disclosure module."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from haven.insights import indicators, selectors
from haven.insights.models import Cell
from haven.insights.refresh import refresh
from haven.lib import stats
from haven.orgs.calendar import calendar_for
from haven.orgs.tests.factories import unit
from haven.surveys import services
from haven.surveys.aggregates import refresh_all
from haven.surveys.models import UnitAggregate
from haven.surveys.tests import helpers

pytestmark = pytest.mark.django_db

DAY = dt.datetime(2026, 10, 14, 10, 0, tzinfo=dt.UTC)
STORED = (
    "surveys.respondents",
    "surveys.invited",
    *indicators.VICTIM_PARTS,
    *indicators.BULLY_PARTS,
    *indicators.survey_parts("safety"),
    *indicators.survey_parts("wellbeing"),
)


def year_range(tree, day=None):
    year = calendar_for(tree.school_a).school_year(day or DAY.date())
    return year, {"from": year.start.isoformat(), "to": year.end.isoformat()}


def url(unit, what="figures"):
    return f"/api/v1/insights/units/{unit.pk}/{what}"


def year_cells(unit, year):
    return dict(
        Cell.objects.filter(
            unit=unit, kind="school_year", start=year.start, indicator__startswith="surveys."
        ).values_list("indicator", "value")
    )


def pupils_answers(n, *, victims=0, bullies=0, safety=3.0, wellbeing=2.0):
    """``n`` scored answers: the first ``victims`` bullied, the first ``bullies`` bullying."""
    return [
        stats.Answers(
            flags={"victim": i < victims, "bully": i < bullies},
            scores={"safety": safety + (0.5 if i % 2 else -0.5), "wellbeing": wellbeing},
        )
        for i in range(n)
    ]


def school_row(school, period, answers, eligible):
    """The surveys app's yearly row of a school, as its aggregate refresh writes it."""
    data = stats.Aggregate.from_answers(answers, eligible=eligible)
    UnitAggregate.objects.update_or_create(
        unit=school,
        period=period,
        instrument_code="haven-open-1",
        defaults={
            "schools": 1,
            "respondents": data.respondents,
            "eligible": data.eligible,
            "data": data.to_json(),
            "refreshed_at": timezone.now(),
        },
    )


def test_two_campaigns_in_a_year_give_the_school_its_whole_year(client, tree, monkeypatch):
    monkeypatch.setattr(services, "_enqueue_refresh", lambda campaign_id: None)
    class_c = unit(tree.school_a, "class", "5C")
    helpers.pupils(tree.class_a, 5)
    helpers.pupils(class_c, 4)
    coordinator = tree.users["coordinator"]
    with time_machine.travel(DAY, tick=True):
        autumn = helpers.campaign(coordinator, tree.school_a, classes=[tree.class_a])
        helpers.respond(
            autumn,
            tree.class_a,
            coordinator,
            [helpers.full_answers(victim=3)] + [helpers.full_answers()] * 3,
        )
        # A follow-up: two answers in 5A (they do not replace 5A's four), three in 5C.
        follow_up = helpers.campaign(
            coordinator, tree.school_a, classes=[tree.class_a, class_c], title="Follow-up"
        )
        helpers.respond(follow_up, tree.class_a, coordinator, [helpers.full_answers()] * 2)
        helpers.respond(
            follow_up, class_c, coordinator, [helpers.full_answers(victim=4, bully=2)] * 3
        )
        refresh_all()
        refresh()
    year, params = year_range(tree)
    cells = year_cells(tree.school_a, year)
    assert cells["surveys.respondents"] == 7  # 5A's four (autumn) and 5C's three
    assert cells["surveys.invited"] == 9
    assert cells["surveys.victims"] == 4 and cells["surveys.victim_answers"] == 7
    assert cells["surveys.perpetrators"] == 3
    assert (
        Cell.objects.get(
            unit=tree.school_a, kind="school_year", start=year.start, indicator="coverage.surveys"
        ).value
        == 1
    )
    client.force_login(tree.users["principal"])
    body = client.get(url(tree.school_a), params).json()
    assert body["figures"]["surveys.response_rate"] == pytest.approx(7 / 9)
    assert body["figures"]["surveys.victimisation"] == pytest.approx(4 / 7)
    assert body["figures"]["surveys.perpetration"] == pytest.approx(3 / 7)
    assert body["figures"]["surveys.safety"] is not None
    assert body["no_data"]["surveys.safety"] == 0


@pytest.fixture
def two_schools(tree):
    """School A: 20 pupils answered (safety 3 on average); school B: 40 (safety 2)."""
    with time_machine.travel(DAY, tick=False):
        school_row(tree.school_a, "2026-2027", pupils_answers(20, victims=4, safety=3.0), 25)
        school_row(
            tree.school_b, "2026-2027", pupils_answers(40, victims=10, bullies=8, safety=2.0), 50
        )
        refresh()
    return tree


def test_a_county_figure_is_the_sum_of_its_schools_counts(client, two_schools):
    tree = two_schools
    year, params = year_range(tree)
    a, b = year_cells(tree.school_a, year), year_cells(tree.school_b, year)
    assert set(a) | set(b) >= set(STORED)
    for above in (tree.county, tree.country):
        cells = year_cells(above, year)
        for code in STORED:
            assert cells.get(code, 0) == a.get(code, 0) + b.get(code, 0), code
    client.force_login(tree.users["inspector"])
    body = client.get(url(tree.county), params).json()["figures"]
    # Pooled over the 60 pupils, never the mean of the two schools' figures (2.5, 27.5%).
    assert body["surveys.safety"] == pytest.approx((20 * 3.0 + 40 * 2.0) / 60, abs=1e-3)
    assert body["surveys.victimisation"] == pytest.approx(14 / 60)
    assert body["surveys.response_rate"] == pytest.approx(60 / 75)
    assert body["surveys.respondents"] == 60


def test_a_mean_comes_with_its_95_percent_interval(client, two_schools):
    tree = two_schools
    _year, params = year_range(tree)
    client.force_login(tree.users["inspector"])
    body = client.get(url(tree.school_b), params).json()
    low, high = body["intervals"]["surveys.safety"]
    # 40 scores of 1.5 and 2.5: mean 2, sample SD 0.506.
    half = stats.Z95 * stats.Moments.from_values([1.5, 2.5] * 20).sd / 40**0.5
    assert low == pytest.approx(2.0 - half, abs=1e-3)
    assert high == pytest.approx(2.0 + half, abs=1e-3)


def test_small_groups_are_hidden_above_the_school(client, tree):
    with time_machine.travel(DAY, tick=False):
        school_row(tree.school_a, "2026-2027", pupils_answers(6, victims=2, safety=3.0), 8)
        school_row(tree.school_b, "2026-2027", pupils_answers(40, victims=10), 50)
        refresh()
    _year, params = year_range(tree)
    client.force_login(tree.users["inspector"])
    small = client.get(url(tree.school_a), params).json()
    for code in ("surveys.safety", "surveys.wellbeing", "surveys.victimisation"):
        assert small["figures"][code] is None, code
    assert small["figures"]["surveys.respondents"] is None
    assert "surveys.safety" in small["hidden"] and "surveys.safety" not in small["intervals"]
    children = client.get(url(tree.county, "children"), params).json()
    rows = {row["unit"]["id"]: row for row in children["children"]}
    # Zone A holds only the small school: its count and mean are hidden in the county table,
    # and zone B's count with it (else county minus zone B gives zone A). Zone B's mean and
    # shares go with its count, though it has 40 answers: the county's mean (46 answers)
    # times 46, minus zone B's times 40, would give zone A's.
    assert rows[tree.zone_a.pk]["figures"]["surveys.safety"] is None
    assert rows[tree.zone_a.pk]["figures"]["surveys.respondents"] is None
    assert rows[tree.zone_b.pk]["figures"]["surveys.respondents"] is None
    for code in ("surveys.safety", "surveys.wellbeing", "surveys.victimisation"):
        assert rows[tree.zone_b.pk]["figures"][code] is None, code
    assert children["total"]["figures"]["surveys.safety"] is not None
    # Asked for the mean alone, the answer is the same.
    year, _params = year_range(tree)
    alone = selectors.figures(
        user=tree.users["inspector"],
        unit=tree.zone_b,
        start=year.start,
        end=year.end,
        codes=["surveys.safety"],
    )
    assert alone["surveys.safety"].hidden
    # The school's own principal reads its exact figures.
    client.force_login(tree.users["principal"])
    own = client.get(url(tree.school_a), params).json()
    assert own["figures"]["surveys.safety"] == pytest.approx(3.0)
    assert own["figures"]["surveys.victimisation"] == pytest.approx(2 / 6)
    assert own["figures"]["surveys.respondents"] == 6


def test_change_since_last_year(client, tree):
    with time_machine.travel(DAY - dt.timedelta(days=365), tick=False):
        school_row(tree.school_b, "2025-2026", pupils_answers(40, victims=16, bullies=2), 50)
    with time_machine.travel(DAY, tick=False):
        school_row(tree.school_b, "2026-2027", pupils_answers(40, victims=10, bullies=12), 50)
        refresh(full=True)
    _year, params = year_range(tree)
    client.force_login(tree.users["inspector"])
    body = client.get(url(tree.county), params).json()
    assert body["figures"]["surveys.victimisation_change"] == pytest.approx(10 / 40 - 16 / 40)
    low, high = body["intervals"]["surveys.victimisation_change"]
    expected = stats.newcombe(10, 40, 16, 40)  # Newcombe's hybrid Wilson interval
    assert (low, high) == (
        pytest.approx(expected.low, abs=1e-4),
        pytest.approx(expected.high, abs=1e-4),
    )
    assert low < -0.15 < high
    # Two bullies of 40 last year shows only as "under 5%": the change would reveal it.
    assert body["figures"]["surveys.perpetration_change"] is None
    assert "surveys.perpetration_change" in body["hidden"]
    # Last year alone has nothing to compare with.
    before = {"from": "2025-09-01", "to": "2026-08-31"}
    assert (
        client.get(url(tree.county), before).json()["figures"]["surveys.victimisation_change"]
        is None
    )


def test_the_refresh_picks_up_a_school_year_row_that_changed(tree):
    year, _params = year_range(tree)
    with time_machine.travel(DAY, tick=False):
        school_row(tree.school_a, "2026-2027", pupils_answers(20), 25)
        refresh()
    assert year_cells(tree.county, year)["surveys.respondents"] == 20
    with time_machine.travel(DAY + dt.timedelta(hours=1), tick=False):
        school_row(tree.school_a, "2026-2027", pupils_answers(22), 25)
        refresh()
        first = set(Cell.objects.values_list("unit_id", "indicator", "start", "value"))
        refresh(full=True)
        assert set(Cell.objects.values_list("unit_id", "indicator", "start", "value")) == first
    assert year_cells(tree.county, year)["surveys.respondents"] == 22


def test_a_roster_shorter_than_the_answers_gives_no_response_rate(client, tree):
    """The demo's classes have 1-3 pupils on their rosters and 12 answers each: the school read
    a response rate of 667%. Like the surveys app ("roster incomplete"), no rate is given."""
    year, params = year_range(tree)
    with time_machine.travel(DAY, tick=False):
        school_row(tree.school_a, "2026-2027", pupils_answers(60), 9)
        refresh()
    cells = year_cells(tree.school_a, year)
    assert cells["surveys.respondents"] == 60 and cells["surveys.invited"] == 9
    client.force_login(tree.users["principal"])
    figures = client.get(url(tree.school_a), params).json()["figures"]
    assert figures["surveys.respondents"] == 60
    assert figures["surveys.response_rate"] is None


@pytest.mark.parametrize(
    ("user", "target", "status"),
    [
        (None, "county", 401),
        ("inspector", "county", 200),
        ("principal", "school_a", 200),
        ("principal", "school_b", 404),
        ("staff", "school_a", 404),
        ("other_coordinator", "school_a", 404),
    ],
)
def test_who_reads_survey_figures(client, two_schools, user, target, status):
    _year, params = year_range(two_schools)
    if user:
        client.force_login(two_schools.users[user])
    response = client.get(url(getattr(two_schools, target)), params)
    assert response.status_code == status
    if status == 200:
        figures = response.json()["figures"]
        assert figures["surveys.respondents"] in (20, 60)
        assert figures["surveys.safety"] is not None


def test_the_dashboard_shows_a_survey_group_on_the_school_year(client, two_schools):
    tree = two_schools
    client.force_login(tree.users["inspector"])
    page = reverse("insights:unit", args=[tree.county.pk])
    html = client.get(page, {"period": "school_year", "at": "2026-10-14"}).content.decode()
    assert 'id="survey-heading"' in html
    assert "Feeling safe (mean score)" in html and "2.33" in html
    assert "95% interval: " in html
    month = client.get(page, {"period": "month", "at": "2026-10-14"}).content.decode()
    assert 'id="survey-heading"' not in month
