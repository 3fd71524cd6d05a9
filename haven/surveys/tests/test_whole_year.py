"""A school's yearly figure is its whole year: one campaign per class (the one with the most
answers there, the newer on a tie), so a small follow-up never replaces a whole-school survey
and no pupil is counted twice."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from haven.orgs.models import Role
from haven.orgs.tests.factories import member, unit
from haven.surveys import services
from haven.surveys.aggregates import refresh_all
from haven.surveys.models import UnitAggregate
from haven.surveys.tests import helpers


def school_row(tree):
    return UnitAggregate.objects.get(unit=tree.school_a, instrument_code="haven-open-1")


def follow_up(tree, classes, answers_by_class, title="Follow-up"):
    now = timezone.now()
    campaign = helpers.campaign(
        tree.users["coordinator"],
        tree.school_a,
        classes=classes,
        title=title,
        opens_at=now - dt.timedelta(hours=2),
    )
    for class_unit, answer_sets in answers_by_class:
        helpers.respond(campaign, class_unit, tree.users["coordinator"], answer_sets)
    refresh_all()
    return campaign


def test_small_follow_up_does_not_replace_the_whole_school_survey(tree, surveyed):
    # The autumn survey: 12 answers in 5A and 5 in 5B. A later follow-up in 5A: 3 answers.
    assert school_row(tree).respondents == 17
    follow_up(tree, [tree.class_a], [(tree.class_a, [helpers.full_answers(victim=4)] * 3)])
    row = school_row(tree)
    assert row.respondents == 17  # 5A keeps its 12 answers, 5B its 5: nobody twice
    assert row.campaign_id is None or row.campaign_id == surveyed.pk
    # The county sums the school's whole year (17) and school B (11).
    county = UnitAggregate.objects.get(unit=tree.county, instrument_code="haven-open-1")
    assert county.respondents == 28


def test_a_class_surveyed_only_later_joins_the_year(tree, surveyed, monkeypatch):
    monkeypatch.setattr(services, "_enqueue_refresh", lambda campaign_id: None)
    class_c = unit(tree.school_a, "class", "5C")
    helpers.pupils(class_c, 10)
    later = follow_up(tree, [class_c], [(class_c, [helpers.full_answers()] * 8)])
    row = school_row(tree)
    assert row.respondents == 17 + 8
    assert row.campaign_id is None  # answers from two campaigns: no single campaign
    # The response rate is over the union of classes: 14 + 6 + 10 pupils.
    assert row.eligible == 30
    assert later.pk != surveyed.pk


def test_a_fuller_re_run_of_a_class_replaces_its_earlier_answers(tree, surveyed, monkeypatch):
    monkeypatch.setattr(services, "_enqueue_refresh", lambda campaign_id: None)
    class_b = surveyed.class_b
    follow_up(tree, [class_b], [(class_b, [helpers.full_answers()] * 6)])
    assert school_row(tree).respondents == 12 + 6  # 5B: 6 answers now, not 5 + 6


def test_school_year_page_shows_the_whole_year_and_hides_small_groups(client, tree, surveyed):
    client.force_login(tree.users["principal"])
    page = client.get(reverse("surveys:unit_results", args=[tree.school_a.pk]))
    assert page.status_code == 200
    assert "17 pupils answered" in page.content.decode()
    # Another school's staff: not theirs.
    client.force_login(tree.users["other_coordinator"])
    assert client.get(reverse("surveys:unit_results", args=[tree.school_a.pk])).status_code == 404
    # A class is never a page of its own.
    client.force_login(tree.users["inspector"])
    assert client.get(reverse("surveys:unit_results", args=[tree.class_a.pk])).status_code == 404


@pytest.mark.parametrize("level", ["country", "county"])
def test_country_administrator_reads_results_at_every_level(client, tree, surveyed, level):
    ministry = member(Role.ADMIN, tree.country, email="ministry@example.org")
    client.force_login(ministry)
    page = client.get(reverse("surveys:unit_results", args=[getattr(tree, level).pk]))
    assert page.status_code == 200
    assert "28 pupils answered" in page.content.decode()


def test_the_school_year_page_gives_the_change_since_last_year(client, tree, monkeypatch):
    import time_machine

    monkeypatch.setattr(services, "_enqueue_refresh", lambda campaign_id: None)
    helpers.pupils(tree.class_a, 25)
    coordinator = tree.users["coordinator"]
    # Last year: 5 of 20 bullied; this year 15 of 20 (a change no interval can miss).
    with time_machine.travel(timezone.now() - dt.timedelta(days=365), tick=False):
        last = helpers.campaign(coordinator, tree.school_a, title="Last year")
        helpers.respond(
            last,
            tree.class_a,
            coordinator,
            [helpers.full_answers(victim=3)] * 5 + [helpers.full_answers()] * 15,
        )
    now = helpers.campaign(coordinator, tree.school_a, title="This year")
    helpers.respond(
        now,
        tree.class_a,
        coordinator,
        [helpers.full_answers(victim=3)] * 15 + [helpers.full_answers()] * 5,
    )
    refresh_all()
    assert last.period != now.period
    client.force_login(tree.users["principal"])
    page = client.get(reverse("surveys:unit_results", args=[tree.school_a.pk]))
    assert page.context["period"] == now.period
    victim = next(row for row in page.context["results"].rows if row.key == "victim")
    assert victim.change is not None and victim.changed
    assert victim.change.low > 0  # more bullied than last year
