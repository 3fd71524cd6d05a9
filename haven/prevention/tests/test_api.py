"""Prevention in the API: the registers' selectors and services, so the pages' rules."""

import datetime as dt
import json

from haven.prevention import selectors, services


def test_plan_trainings_pledges_and_meetings_by_api(client, tree):
    coordinator = tree.users["coordinator"]
    year = selectors.school_year_now(tree.school_a)
    services.plan_create(actor=coordinator, unit=tree.school_a, year=year)
    base = f"/api/v1/prevention/units/{tree.school_a.pk}"
    assert client.get(f"{base}/plans/{year}").status_code == 401
    client.force_login(coordinator)
    start, _end = selectors.calendar_of(tree.school_a).year_bounds(year)
    added = client.post(
        f"{base}/plans/{year}/activities",
        json.dumps(
            {
                "goal": "awareness",
                "what": "Class talks",
                "lead": "Coordinator",
                "starts_on": str(start),
                "ends_on": str(start + dt.timedelta(days=30)),
            }
        ),
        "application/json",
    )
    assert added.status_code == 201, added.content
    plan = client.get(f"{base}/plans/{year}").json()
    assert plan["year"] == year
    assert [a["what"] for a in plan["activities"]][-1] == "Class talks"
    recorded = client.post(
        f"{base}/trainings",
        json.dumps({"topic": "Bullying", "held_on": str(start), "trainer": "NGO"}),
        "application/json",
    )
    assert recorded.status_code == 201 and recorded.json()["present"] == 0
    assert [t["topic"] for t in client.get(f"{base}/trainings?year={year}").json()] == ["Bullying"]
    pledges = client.get(f"/api/v1/prevention/schools/{tree.school_a.pk}/pledges").json()
    assert pledges["year"] == year and pledges["staff"]
    meetings = client.get(f"/api/v1/prevention/schools/{tree.school_a.pk}/meetings")
    assert meetings.status_code == 200 and meetings.json() == []
    # Unknown fields and out-of-range years are refused, not ignored.
    extra = client.post(
        f"{base}/trainings",
        json.dumps({"topic": "x", "held_on": str(start), "trainer": "y", "cost": 5}),
        "application/json",
    )
    assert extra.status_code == 422 and "cost" in extra.json()["errors"]
    assert client.get(f"{base}/plans/99999").status_code == 422


def test_other_school_and_staff_cannot_write_or_read_another_schools_plan(client, tree):
    year = selectors.school_year_now(tree.school_a)
    services.plan_create(actor=tree.users["coordinator"], unit=tree.school_a, year=year)
    base = f"/api/v1/prevention/units/{tree.school_a.pk}"
    client.force_login(tree.users["other_coordinator"])
    assert client.get(f"{base}/plans/{year}").status_code == 404
    assert client.get(f"{base}/trainings").status_code == 404
    client.force_login(tree.users["staff"])
    refused = client.post(
        f"{base}/trainings",
        json.dumps({"topic": "x", "held_on": "2026-10-01", "trainer": "y"}),
        "application/json",
    )
    assert refused.status_code in (403, 404)
