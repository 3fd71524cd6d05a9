"""Hotspots: the survey asks where and when pupils feel least safe (instrument version 2,
optional, the school's own places too); the school's grid puts the answers beside reported
incidents by place and time of day, small survey counts hidden."""

import pytest
from django.urls import reverse

from haven.audit.models import AuditEvent
from haven.intake.models import SchoolPlace
from haven.intake.tests.helpers import submit
from haven.lib.disclosure import min_cell
from haven.lib.errors import InvalidInput
from haven.surveys import hotspots, instruments, services
from haven.surveys.tests import helpers

TOILETS = 4  # the toilets' position in intake's default place list
BREAKS, LUNCH = 2, 3  # TimeOfDay's order


@pytest.fixture(autouse=True)
def _no_refresh(monkeypatch):
    monkeypatch.setattr(services, "_enqueue_refresh", lambda campaign_id: None)


def test_version_two_asks_place_and_time_optionally_and_version_one_stays():
    current = instruments.get()
    assert current.version == 2
    place, time = current.item("unsafe_place"), current.item("unsafe_time")
    assert place.places and not place.required and not time.required
    assert [o.labels["en"] for o in time.options][2] == "At break"
    assert set(time.options[0].labels) == set(instruments.LANGUAGES)
    older = instruments.get(version=1)
    assert older.item("unsafe_place") is None and older.item("victim_global") is not None
    assert hotspots.place_code(0, TOILETS) == "toilets"


def test_an_older_campaign_keeps_its_version_without_the_new_questions(tree):
    campaign = helpers.campaign(tree.users["coordinator"], tree.school_a)
    assert campaign.instrument_version == 2
    campaign.instrument_version = 1
    campaign.save()
    codes = [i.code for p in services.pages(campaign) for i in p.items]
    assert "unsafe_place" not in codes and "safe_school" in codes


def test_the_place_question_lists_the_schools_own_places(tree):
    gym = SchoolPlace.objects.create(school=tree.school_a, code="gym", label="Sala de sport")
    SchoolPlace.objects.create(school=tree.school_b, code="pool", label="Bazin")
    campaign = helpers.campaign(tree.users["coordinator"], tree.school_a)
    item = next(i for p in services.pages(campaign) for i in p.items if i.code == "unsafe_place")
    labels = [o.label for o in item.options]
    assert "Sala de sport" in labels and "Bazin" not in labels
    # "somewhere else" stays last, after the school's own places, as on the report form
    assert item.options[-1].value == len(instruments.default_place_options())
    helpers.pupils(tree.class_a, 2)
    text = services.codes_generate(
        actor=tree.users["coordinator"], campaign=campaign, class_unit=tree.class_a, count=1
    )[0]
    code = services.code_open(code_text=text)
    number = next(n for n, p in enumerate(services.pages(campaign)) if item in p.items)
    with pytest.raises(InvalidInput):  # another school's place is not an answer here
        services.answers_save(
            code=code, number=number, posted={"unsafe_place": str(hotspots.OWN_BASE + 10**6)}
        )
    services.answers_save(
        code=code, number=number, posted={"unsafe_place": str(hotspots.OWN_BASE + gym.pk)}
    )
    assert hotspots.place_code(tree.school_a.pk, code.draft["unsafe_place"]) == "gym"


def _survey(tree, toilets_at_break: int, yard_at_lunch: int):
    helpers.pupils(tree.class_a, toilets_at_break + yard_at_lunch + 2)
    campaign = helpers.campaign(tree.users["coordinator"], tree.school_a)
    toilets = {**helpers.full_answers(), "unsafe_place": TOILETS, "unsafe_time": BREAKS}
    yard = {**helpers.full_answers(), "unsafe_place": 2, "unsafe_time": LUNCH}
    helpers.respond(
        campaign,
        tree.class_a,
        tree.users["coordinator"],
        [toilets] * toilets_at_break + [yard] * yard_at_lunch + [helpers.full_answers()],
    )
    return campaign


def test_the_grid_shows_toilets_at_break_in_both_and_hides_small_survey_counts(client, tree):
    n = min_cell()
    _survey(tree, toilets_at_break=n, yard_at_lunch=1)
    submit(tree.school_a, place="toilets", time_of_day="breaks")
    submit(tree.school_a, place="toilets", time_of_day="breaks")
    submit(tree.school_b, place="toilets", time_of_day="breaks")  # another school's
    client.force_login(tree.users["coordinator"])
    response = client.get(reverse("surveys:hotspots", args=[tree.school_a.pk]))
    assert response.status_code == 200
    grid = response.context["grid"]
    cell = grid.cells[("toilets", "breaks")]
    assert (cell.reports, cell.answers, cell.answers_hidden) == (2, n, False)
    yard = grid.cells[("yard", "lunch")]
    assert yard.answers is None and yard.answers_hidden and yard.reports == 0
    html = response.content.decode()
    assert 'data-place="toilets"' in html and "hotspot" in html
    assert AuditEvent.objects.filter(action="survey.hotspots_view").exists()


def test_hotspots_are_read_as_the_schools_survey_results(client, tree):
    url = reverse("surveys:hotspots", args=[tree.school_a.pk])
    assert client.get(url).status_code == 302
    for who, status in (
        ("staff", 404),
        ("other_coordinator", 404),
        ("inspector", 404),  # above the school: sums on the roll-up pages, never a grid
        ("psychologist", 200),
        ("principal", 200),
    ):
        client.force_login(tree.users[who])
        assert client.get(url).status_code == status, who
    client.force_login(tree.users["coordinator"])
    assert client.get(url, {"year": "x"}).status_code == 200  # bad input: the current year
    assert client.get(reverse("surveys:hotspots", args=[tree.class_a.pk])).status_code == 404


def test_only_campaigns_and_reports_of_the_school_year_count(tree):
    from django.utils import timezone

    from haven.orgs.calendar import calendar_for
    from haven.surveys import selectors

    campaign = _survey(tree, toilets_at_break=min_cell(), yard_at_lunch=0)
    submit(tree.school_a, place="toilets", time_of_day="breaks")
    year = calendar_for(tree.school_a).school_year(timezone.localdate())
    coordinator = tree.users["coordinator"]
    grid = selectors.hotspot_grid(user=coordinator, school=tree.school_a, year=year)
    assert grid.cells[("toilets", "breaks")].answers == min_cell()
    campaign.period = "2001-2002"
    campaign.save()
    earlier = calendar_for(tree.school_a).school_year_of(year.year - 1)
    grid = selectors.hotspot_grid(user=coordinator, school=tree.school_a, year=year)
    assert grid.cells[("toilets", "breaks")].answers == 0
    assert grid.cells[("toilets", "breaks")].reports == 1
    grid = selectors.hotspot_grid(user=coordinator, school=tree.school_a, year=earlier)
    assert grid.cells[("toilets", "breaks")].reports == 0
