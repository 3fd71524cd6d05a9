"""Surveys in the API: the results page's figures and hiding, campaigns and codes."""

import json

from haven.audit.models import AuditEvent
from haven.surveys import selectors


def test_results_by_api_are_the_pages_figures(client, tree, surveyed):
    campaign = surveyed
    path = f"/api/v1/surveys/campaigns/{campaign.pk}/results"
    assert client.get(path).status_code == 401
    client.force_login(tree.users["other_coordinator"])
    assert client.get(path).status_code == 404
    client.force_login(tree.users["coordinator"])
    answer = client.get(path).json()
    shown, _aggregate = selectors.campaign_results(campaign=campaign)
    assert answer["respondents"] == shown.respondents == 17
    by_key = {row["key"]: row for row in answer["rows"]}
    for row in shown.rows:
        assert by_key[row.key]["hidden"] == row.shown.hidden
        assert by_key[row.key]["value"] == row.shown.value
    # Audited as the page's read is; the refused reads above left nothing.
    event = AuditEvent.objects.get(action="survey.results_view")
    assert event.actor == tree.users["coordinator"] and event.details == {"via": "api"}


def test_campaigns_and_one_time_codes_by_api(client, tree, surveyed):
    campaign = surveyed
    client.force_login(tree.users["coordinator"])
    listed = client.get("/api/v1/surveys/campaigns").json()["items"]
    assert [c["id"] for c in listed] == [campaign.pk]
    detail = client.get(f"/api/v1/surveys/campaigns/{campaign.pk}").json()
    assert {row["class_id"] for row in detail["progress"]} >= {tree.class_a.pk}
    path = f"/api/v1/surveys/campaigns/{campaign.pk}/classes/{tree.class_a.pk}/codes"
    made = client.post(path, json.dumps({"count": 3}), "application/json")
    assert made.status_code == 201 and len(made.json()["codes"]) == 3
    too_many = client.post(path, json.dumps({"count": 500}), "application/json")
    assert too_many.status_code == 422
    closed = client.post(f"/api/v1/surveys/campaigns/{campaign.pk}/close")
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    client.force_login(tree.users["staff"])
    assert client.post(path, json.dumps({"count": 1}), "application/json").status_code == 404
