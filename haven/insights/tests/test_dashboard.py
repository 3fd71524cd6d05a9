"""Dashboards: who opens which unit's page, the children's table, the charts, the menu."""

import datetime as dt
import random
import re
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from haven.insights import demo, refresh
from haven.insights.access import Perm
from haven.intake import store
from haven.orgs import access, navigation
from haven.orgs.models import OrgUnit, Role
from haven.orgs.tests.factories import Tree, member, unit

pytestmark = pytest.mark.django_db


def _reports(school: OrgUnit, count: int, rng: random.Random, cases: int = 0) -> None:
    """``count`` reports this school year (the demo's own writers), ``cases`` of them with one."""
    now = timezone.now()
    for number in range(count):
        at = now - dt.timedelta(days=rng.randint(1, 20), hours=number)
        report = demo._report(rng, school, 1000 + number, at)
        store.report_store(report, {"action": "report.submit", "details": {}})
        if number < cases:
            demo._case(rng, report, now)


@pytest.fixture
def world(tree: Tree) -> dict[str, Any]:
    """The tree's county with school A busy (12 reports) and school B quiet (3), plus a second
    county with a school, and a country administrator (the ministry)."""
    other_county = unit(tree.country, OrgUnit.Kind.COUNTY, "BH")
    other_zone = unit(other_county, OrgUnit.Kind.ZONE, "ZC")
    other_school = unit(other_zone, OrgUnit.Kind.SCHOOL, "SCH-C")
    rng = random.Random(1)
    _reports(tree.school_a, 12, rng, cases=4)
    _reports(tree.school_b, 3, rng)
    _reports(other_school, 11, rng)
    refresh.refresh(full=True)
    ministry = member(Role.ADMIN, tree.country, email="ministry@example.org")
    return {
        "tree": tree,
        "other_county": other_county,
        "other_school": other_school,
        "ministry": ministry,
    }


def _get(user: Any, unit_: OrgUnit, query: str = "") -> Any:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client.get(reverse("insights:unit", args=[unit_.pk]) + query)


def test_anonymous_is_sent_to_log_in(world: dict[str, Any]) -> None:
    tree = world["tree"]
    for url in (reverse("insights:landing"), reverse("insights:unit", args=[tree.county.pk])):
        response = Client().get(url)
        assert response.status_code == 302
        assert reverse("login") in response["Location"]


def test_school_user_reads_own_school_not_another(world: dict[str, Any]) -> None:
    tree = world["tree"]
    coordinator = tree.users["coordinator"]
    assert _get(coordinator, tree.school_a).status_code == 200
    assert _get(coordinator, tree.school_b).status_code == 404
    assert _get(coordinator, tree.zone_a).status_code == 404
    assert _get(tree.users["other_coordinator"], tree.school_a).status_code == 404


def test_staff_without_figures_has_no_dashboard(world: dict[str, Any]) -> None:
    tree = world["tree"]
    staff = tree.users["staff"]
    assert _get(staff, tree.school_a).status_code == 404
    client = Client()
    client.force_login(staff)
    assert client.get(reverse("insights:landing")).status_code == 403


def test_inspector_reads_own_county_only(world: dict[str, Any]) -> None:
    tree = world["tree"]
    inspector = tree.users["inspector"]
    for own in (tree.county, tree.zone_a, tree.school_b):
        assert _get(inspector, own).status_code == 200, own
    assert _get(inspector, world["other_county"]).status_code == 404
    assert _get(inspector, world["other_school"]).status_code == 404
    assert _get(inspector, tree.country).status_code == 404


def test_ministry_reads_every_level(world: dict[str, Any]) -> None:
    tree = world["tree"]
    ministry = world["ministry"]
    for each in (
        tree.country,
        tree.county,
        world["other_county"],
        tree.zone_b,
        world["other_school"],
    ):
        assert _get(ministry, each).status_code == 200, each


def test_landing_opens_the_users_highest_unit(world: dict[str, Any]) -> None:
    tree = world["tree"]
    for user, expected in (
        (world["ministry"], tree.country),
        (tree.users["inspector"], tree.county),
        (tree.users["principal"], tree.school_a),
    ):
        client = Client()
        client.force_login(user)
        response = client.get(reverse("insights:landing"))
        assert response["Location"] == reverse("insights:unit", args=[expected.pk])


def _tbody(html: str) -> str:
    return html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]


def test_children_table_has_a_total_row_and_hides_small_cells(world: dict[str, Any]) -> None:
    tree = world["tree"]
    html = _get(tree.users["inspector"], tree.county).content.decode()
    body = _tbody(html)
    assert tree.zone_a.name in body and tree.zone_b.name in body
    # Zone B has 3 reports: hidden (and zone A with it, or the total would give it away).
    assert "hidden-figure" in body
    assert '<tr class="total">' in html
    foot = html.split("<tfoot>", 1)[1].split("</tfoot>", 1)[0]
    assert "Total" in foot
    assert ">3<" not in body  # zone B's count never printed
    # Each zone links to its own dashboard, keeping the period.
    assert reverse("insights:unit", args=[tree.zone_b.pk]) + "?period=" in body


def test_school_staff_read_exact_counts_of_their_school(world: dict[str, Any]) -> None:
    tree = world["tree"]
    html = _get(tree.users["other_coordinator"], tree.school_b).content.decode()
    headline = html.split('class="headlines"', 1)[1].split("</ul>", 1)[0]
    assert re.search(r">\s*3\s*<", headline), "the school's own 3 reports, shown exactly"


def test_sorting_by_a_figure_is_server_side(world: dict[str, Any]) -> None:
    tree = world["tree"]
    ministry = world["ministry"]
    html = _get(ministry, tree.country, "?sort=-reports.total").content.decode()
    body = _tbody(html)
    assert 'aria-sort="descending"' in html
    names = re.findall(r'<th scope="row"><a [^>]*>([^<]+)</a>', body)
    assert sorted(names) == sorted([tree.county.name, world["other_county"].name])
    by_name = _tbody(_get(ministry, tree.country, "?sort=-name").content.decode())
    assert re.findall(r'<th scope="row"><a [^>]*>([^<]+)</a>', by_name) == sorted(
        names, reverse=True
    )
    # A bad sort key falls back to the name, never a 500.
    assert _get(ministry, tree.country, "?sort=__class__").status_code == 200


def test_htmx_sort_returns_only_the_table(world: dict[str, Any]) -> None:
    tree = world["tree"]
    client = Client()
    client.force_login(tree.users["inspector"])
    response = client.get(
        reverse("insights:unit", args=[tree.county.pk]) + "?sort=reports.total",
        HTTP_HX_REQUEST="true",
    )
    html = response.content.decode()
    assert html.lstrip().startswith("<div") and "<tfoot>" in html and "<h1>" not in html


def test_every_chart_has_a_table_and_a_summary(world: dict[str, Any]) -> None:
    tree = world["tree"]
    html = _get(tree.users["inspector"], tree.county).content.decode()
    figures = html.split('<figure class="chart-figure"')[1:]
    assert len(figures) >= 3
    for figure in figures:
        assert '<svg xmlns="http://www.w3.org/2000/svg" class="chart"' in figure
        assert "<figcaption>" in figure and "From " in figure
        table = figure.split('<table class="chart-table">', 1)[1].split("</table>", 1)[0]
        assert table.count('<th scope="row">') == 12  # one row per month of the school year


@pytest.mark.parametrize("kind", ["month", "term", "school_year"])
def test_every_period_kind_opens_with_its_previous_period(world: dict[str, Any], kind: str) -> None:
    tree = world["tree"]
    today = timezone.localdate()
    response = _get(tree.users["inspector"], tree.county, f"?period={kind}&at={today}")
    assert response.status_code == 200
    assert "against" in response.content.decode() or "no comparison" in response.content.decode()


def test_bad_period_input_is_not_an_error(world: dict[str, Any]) -> None:
    tree = world["tree"]
    for query in (
        "?period=decade",
        "?at=not-a-date",
        "?at=1850-01-01",
        "?at=2026-02-30",
        "?at=1900-09-20&period=month",  # the calendar's first year: none before it
        "?at=2199-12-31",
    ):
        assert _get(tree.users["inspector"], tree.county, query).status_code == 200


def test_numbers_lead_to_single_cases_only_for_those_who_may_read_them(
    world: dict[str, Any],
) -> None:
    tree = world["tree"]
    cases = reverse("cases:case_list")
    inbox = reverse("intake:inbox")
    own = _get(tree.users["coordinator"], tree.school_a).content.decode()
    assert f'href="{cases}"' in own and f'href="{inbox}"' in own
    above = _get(tree.users["inspector"], tree.school_a).content.decode()
    headline = above.split('class="headlines"', 1)[1].split("</ul>", 1)[0]
    assert cases not in headline and inbox not in headline


def test_indicator_names_carry_their_definition(world: dict[str, Any]) -> None:
    tree = world["tree"]
    html = _get(tree.users["inspector"], tree.county).content.decode()
    assert '<details class="definition"><summary title="Reports received in the period.">' in html


def test_dashboards_are_in_the_menu_of_those_who_read_figures(world: dict[str, Any]) -> None:
    tree = world["tree"]
    url = reverse("insights:landing")
    for user in (world["ministry"], tree.users["inspector"], tree.users["principal"]):
        assert url in [e["url"] for e in navigation.entries_for(user)]
        assert access.has_anywhere(user, Perm.VIEW_FIGURES)
    assert url not in [e["url"] for e in navigation.entries_for(tree.users["staff"])]
    assert url not in [e["url"] for e in navigation.entries_for(tree.users["agency"])]


def test_queries_do_not_grow_with_the_units_below(
    world: dict[str, Any], django_assert_max_num_queries: Any
) -> None:
    tree = world["tree"]
    ministry = world["ministry"]
    client = Client()
    client.force_login(ministry)
    url = reverse("insights:unit", args=[tree.country.pk])
    with CaptureQueriesContext(connection) as before:
        assert client.get(url).status_code == 200
    for number in range(4):
        county = unit(tree.country, OrgUnit.Kind.COUNTY, f"X{number}")
        zone = unit(county, OrgUnit.Kind.ZONE, f"XZ{number}")
        _reports(unit(zone, OrgUnit.Kind.SCHOOL, f"XS{number}"), 2, random.Random(number))
    refresh.refresh(full=True)
    with django_assert_max_num_queries(len(before.captured_queries)):
        html = client.get(url).content.decode()
    assert _tbody(html).count('<th scope="row">') == 6
