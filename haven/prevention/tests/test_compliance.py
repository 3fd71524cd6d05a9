"""The compliance overview: per school and per level above, totals from counts, drill-downs
within the viewer's rights."""

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import given, settings
from hypothesis import strategies as st

from haven.orgs.tests.factories import member
from haven.prevention import compliance, services
from haven.prevention.compliance import Cell
from haven.prevention.tests.helpers import AUTUMN, YEAR, url

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _autumn():
    with time_machine.travel(AUTUMN, tick=False):
        yield


def test_totals_add_counts_and_never_average_percentages(tree):
    # school_a: 1 of 4 staff signed; school_b: 1 of 1. Average of rates: 62.5%; true: 2 of 5.
    services.pledge_sign(actor=tree.users["staff"], school=tree.school_a)
    services.pledge_sign(actor=tree.users["other_coordinator"], school=tree.school_b)
    found = compliance.overview([tree.school_a, tree.school_b], YEAR)
    rows, totals = found.rows, found.totals
    pledges = [i.key for i in compliance.INDICATORS].index("pledges")
    assert rows[0][1][pledges].percent == 25 and rows[1][1][pledges].percent == 100
    assert (totals[pledges].numerator, totals[pledges].denominator) == (2, 5)
    assert totals[pledges].percent == 40


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 50), st.integers(0, 50)), max_size=8))
def test_total_rate_lies_between_the_smallest_and_largest_school_rate(pairs):
    cells = [Cell(min(n, d), d) for n, d in pairs]
    total = Cell(sum(c.numerator for c in cells), sum(c.denominator for c in cells))
    rates = [c.numerator / c.denominator for c in cells if c.denominator]
    if rates:
        rate = total.numerator / total.denominator
        assert min(rates) - 1e-9 <= rate <= max(rates) + 1e-9
    else:
        assert total.percent is None


def test_every_indicator_names_a_drill_down_page():
    for indicator in compliance.INDICATORS:
        assert url(indicator.url_name) if indicator.school_in_query else url(indicator.url_name, 1)


def test_overview_needs_login(client, tree):
    response = client.get(url("prevention:overview", tree.county.pk))
    assert response.status_code == 302 and "/login/" in response["Location"]


@pytest.mark.parametrize("who", ["staff", "psychologist", "agency", "nobody"])
def test_overview_is_not_found_for_wrong_roles(client, tree, who):
    client.force_login(tree.users[who])
    assert client.get(url("prevention:overview", tree.school_a.pk)).status_code == 404


def test_a_school_cannot_see_another_schools_or_the_countys_overview(client, tree):
    client.force_login(tree.users["other_coordinator"])
    assert client.get(url("prevention:overview", tree.school_a.pk)).status_code == 404
    assert client.get(url("prevention:overview", tree.county.pk)).status_code == 404
    assert client.get(url("prevention:overview", tree.school_b.pk)).status_code == 200


def test_inspector_sees_one_row_per_school_and_the_pledge_rate(client, tree):
    services.pledge_sign(actor=tree.users["staff"], school=tree.school_a)
    client.force_login(tree.users["inspector"])
    response = client.get(url("prevention:overview", tree.county.pk))
    assert response.status_code == 200
    schools = [school for school, _ in response.context["table"]]
    assert schools == [tree.school_a, tree.school_b]
    body = response.content.decode()
    assert url("prevention:pledges", tree.school_a.pk) + f"?year={YEAR}" in body
    assert "1 of 4 (25%)" in body


def test_drill_downs_follow_the_viewers_rights(client, tree):
    # An administrator reads figures and lists above the schools; a coordinator of the
    # school sees its own row and opens every list of it.
    client.force_login(tree.users["coordinator"])
    response = client.get(url("prevention:overview", tree.school_a.pk))
    links = [link for _, cells in response.context["table"] for _, link in cells]
    assert all(links)
    for link in links:
        assert client.get(link).status_code == 200


def test_inspector_opens_every_list_behind_the_figures(client, tree):
    client.force_login(tree.users["inspector"])
    response = client.get(url("prevention:overview", tree.county.pk))
    opened = 0
    for _, cells in response.context["table"]:
        for cell, link in cells:
            # A figure hidden by the small-count rule opens nothing; every other one opens.
            assert bool(link) != cell.hidden
            if link:
                assert client.get(link).status_code == 200
                opened += 1
    assert opened >= 2 * (len(compliance.INDICATORS) - 1)


def test_staff_members_of_classes_count_for_their_school(tree):
    member("staff", tree.class_a, email="class-teacher@a.example")
    figures = compliance.pledges_signed([tree.school_a], YEAR)
    assert figures[tree.school_a.pk] == (0, 5)


def test_overview_queries_do_not_grow_with_schools(client, tree):
    from haven.orgs.models import OrgUnit
    from haven.orgs.tests.factories import unit

    client.force_login(tree.users["inspector"])
    target = url("prevention:overview", tree.county.pk)
    with CaptureQueriesContext(connection) as two_schools:
        client.get(target)
    for n in range(6):
        unit(tree.zone_b, OrgUnit.Kind.SCHOOL, f"EXTRA-{n}")
    with CaptureQueriesContext(connection) as eight_schools:
        assert client.get(target).status_code == 200
    assert len(eight_schools.captured_queries) == len(two_schools.captured_queries)
