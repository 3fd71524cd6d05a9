"""Response rates against the class rosters: codes beyond the roster are warned about and
flagged "roster incomplete", and no page gives a rate above 100% as if it were real."""

import pytest

from haven.lib.stats import Aggregate
from haven.surveys import services
from haven.surveys.aggregates import refresh_all
from haven.surveys.results import build_results
from haven.surveys.tests import helpers
from haven.surveys.tests.test_views import url


@pytest.fixture
def small_roster(tree, monkeypatch):
    """Class 5A has 3 pupils on its roster; 5 codes are made and 4 surveys sent."""
    monkeypatch.setattr(services, "_enqueue_refresh", lambda campaign_id: None)
    helpers.pupils(tree.class_a, 3)
    campaign = helpers.campaign(tree.users["coordinator"], tree.school_a)
    helpers.respond(campaign, tree.class_a, tree.users["coordinator"], [helpers.full_answers()] * 4)
    services.codes_generate(
        actor=tree.users["coordinator"], campaign=campaign, class_unit=tree.class_a, count=1
    )
    refresh_all()
    return campaign


def test_codes_beyond_the_roster_are_warned_about(tree, small_roster):
    warning = services.codes_roster_warning(campaign=small_roster, class_unit=tree.class_a)
    assert warning is not None
    assert "5 codes" in warning and "3 pupils" in warning and "roster incomplete" in warning


def test_codes_within_the_roster_give_no_warning(tree):
    helpers.pupils(tree.class_a, 12)
    campaign = helpers.campaign(tree.users["coordinator"], tree.school_a)
    services.codes_generate(
        actor=tree.users["coordinator"], campaign=campaign, class_unit=tree.class_a
    )
    assert services.codes_roster_warning(campaign=campaign, class_unit=tree.class_a) is None


def test_a_class_without_roster_is_warned_about(tree):
    campaign = helpers.campaign(tree.users["coordinator"], tree.school_a)
    services.codes_generate(
        actor=tree.users["coordinator"], campaign=campaign, class_unit=tree.class_a, count=4
    )
    warning = services.codes_roster_warning(campaign=campaign, class_unit=tree.class_a)
    assert warning is not None and "no pupils on its roster" in warning
    [row] = services.progress(campaign)
    assert row["roster_incomplete"]


def test_progress_never_gives_a_rate_above_100_percent(tree, small_roster):
    [row] = services.progress(small_roster)
    assert (row["eligible"], row["codes"], row["submitted"]) == (3, 5, 4)
    assert row["rate"] is None  # 4 answers for 3 pupils is not a rate
    assert row["roster_incomplete"]


def test_progress_flags_the_class_but_keeps_a_real_rate(tree):
    helpers.pupils(tree.class_a, 4)
    campaign = helpers.campaign(tree.users["coordinator"], tree.school_a)
    helpers.respond(campaign, tree.class_a, tree.users["coordinator"], [helpers.full_answers()])
    services.codes_generate(
        actor=tree.users["coordinator"], campaign=campaign, class_unit=tree.class_a, count=5
    )
    [row] = services.progress(campaign)
    assert row["rate"] == 0.25 and row["low"] and row["roster_incomplete"]


def test_pupils_added_to_the_roster_count_for_the_rate(tree):
    helpers.pupils(tree.class_a, 2)
    campaign = helpers.campaign(tree.users["coordinator"], tree.school_a)
    helpers.pupils(tree.class_a, 3)  # the roster now lists 5
    services.codes_generate(
        actor=tree.users["coordinator"], campaign=campaign, class_unit=tree.class_a
    )
    [row] = services.progress(campaign)
    assert (row["eligible"], row["codes"], row["roster_incomplete"]) == (5, 5, False)


def test_progress_page_warns_and_flags_after_too_many_codes(client, tree, small_roster):
    client.force_login(tree.users["coordinator"])
    made = client.post(url("campaign_codes", small_roster.pk, tree.class_a.pk), {"count": "2"})
    assert made.status_code == 200 and made["Content-Type"] == "application/pdf"
    page = client.get(url("campaign_detail", small_roster.pk)).content.decode()
    assert "7 codes have now been made for class" in page  # the warning, once
    assert "roster incomplete" in page
    assert "133%" not in page


def test_results_never_give_a_rate_above_100_percent():
    results = build_results(Aggregate(respondents=30, eligible=20))
    assert results.response_rate is None
    assert results.roster_incomplete and not results.low_response
    fine = build_results(Aggregate(respondents=20, eligible=20))
    assert fine.response_rate == 1.0 and not fine.roster_incomplete


def test_school_results_page_names_the_classes_with_an_incomplete_roster(
    client, tree, small_roster, settings
):
    settings.HAVEN_MIN_CELL = 3
    client.force_login(tree.users["coordinator"])
    page = client.get(url("campaign_results", small_roster.pk)).content.decode()
    assert "Roster incomplete for Unit 5A" in page
    assert "more answers than pupils on the class rosters" in page
    assert "133%" not in page
