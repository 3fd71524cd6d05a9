import datetime as dt

import pytest

from haven.insights.models import Cell

pytestmark = pytest.mark.django_db

OCT = dt.date(2026, 10, 1)
RANGE = {"from": "2026-10-01", "to": "2026-10-31"}


def url(unit, what="figures"):
    return f"/api/v1/insights/units/{unit.pk}/{what}"


@pytest.fixture
def counted(tree):
    for unit, value in (
        (tree.school_a, 3),
        (tree.zone_a, 3),
        (tree.school_b, 40),
        (tree.zone_b, 40),
        (tree.county, 43),
        (tree.country, 43),
    ):
        Cell.objects.create(
            unit=unit, kind="month", start=OCT, indicator="reports.total", value=value
        )
    return tree


def test_anonymous_is_refused(client, counted):
    assert client.get(url(counted.county), RANGE).status_code == 401


@pytest.mark.parametrize(
    ("user", "unit", "status"),
    [
        ("inspector", "county", 200),
        ("inspector", "school_b", 200),
        ("inspector", "country", 404),  # above the inspector's county
        ("principal", "school_a", 200),
        ("principal", "school_b", 404),  # another school
        ("principal", "county", 404),
        ("staff", "school_a", 404),  # a role without figures
        ("other_coordinator", "school_a", 404),
        ("agency", "county", 404),
    ],
)
def test_who_reads_which_figures(client, counted, user, unit, status):
    client.force_login(counted.users[user])
    response = client.get(url(getattr(counted, unit)), RANGE)
    assert response.status_code == status
    children = client.get(url(getattr(counted, unit), "children"), RANGE)
    assert children.status_code == status


def test_figures_hide_small_counts_above_the_school(client, counted):
    client.force_login(counted.users["inspector"])
    body = client.get(url(counted.zone_a), RANGE).json()
    assert body["unit"]["id"] == counted.zone_a.pk
    assert body["from"] == "2026-10-01" and body["to"] == "2026-10-31"
    assert body["figures"]["reports.total"] is None
    assert "reports.total" in body["hidden"]
    for code in ("reports.urgent", "cases.opened", "cases.open_at_end", "deadlines.missed"):
        assert body["figures"][code] == 0
    county = client.get(url(counted.county, "children"), RANGE).json()
    assert county["total"]["figures"]["reports.total"] == 43
    assert [row["figures"]["reports.total"] for row in county["children"]] == [None, None]


def test_the_school_reads_its_exact_figures(client, counted):
    client.force_login(counted.users["principal"])
    body = client.get(url(counted.school_a), RANGE).json()
    assert body["figures"]["reports.total"] == 3 and body["hidden"] == []


@pytest.mark.parametrize(
    "params",
    [{"from": "2026-13-01", "to": "2026-10-31"}, {"from": "2026-10-31", "to": "2026-10-01"}],
)
def test_bad_dates_are_refused_in_the_users_language(client, counted, params):
    client.force_login(counted.users["inspector"])
    response = client.get(url(counted.county), params, headers={"accept-language": "ro"})
    assert response.status_code == 422
    title = response.json()["title"]
    english = {"Give the dates as YYYY-MM-DD.", "The end date must not be before the start date."}
    assert title and title not in english


def test_missing_dates_are_refused(client, counted):
    client.force_login(counted.users["inspector"])
    assert client.get(url(counted.county)).status_code == 422
