import json

import pytest

from haven.cases import services
from haven.cases.models import Referral


def post(client, path, payload):
    return client.post(path, json.dumps(payload), content_type="application/json")


@pytest.fixture
def case(tree):
    return services.case_open(actor=tree.users["coordinator"], school=tree.school_a, title="Yard")


def test_case_api_follows_need_to_know(client, tree, case):
    assert client.get("/api/v1/cases").status_code == 401
    client.force_login(tree.users["coordinator"])
    assert [c["id"] for c in client.get("/api/v1/cases").json()["items"]] == [case.pk]
    detail = client.get(f"/api/v1/cases/{case.pk}").json()
    assert detail["next_steps"] == ["assess"] and detail["state"] == "registered"
    for role in ("other_coordinator", "inspector", "agency", "staff"):
        client.force_login(tree.users[role])
        assert client.get("/api/v1/cases").json()["items"] == [], role
        assert client.get(f"/api/v1/cases/{case.pk}").status_code == 404, role
        assert client.get(f"/api/v1/cases/{case.pk}/timeline").status_code == 404, role


def test_steps_by_api_use_the_engine(client, tree, case):
    client.force_login(tree.users["coordinator"])
    refused = post(client, f"/api/v1/cases/{case.pk}/steps", {"step": "assess"})
    assert refused.status_code == 409
    assert refused["Content-Type"] == "application/problem+json"
    assert "case type" in refused.json()["title"]
    services.case_update(
        actor=tree.users["coordinator"], case=case, changes={"case_type": "child_child"}
    )
    moved = post(client, f"/api/v1/cases/{case.pk}/steps", {"step": "assess"})
    assert moved.status_code == 200 and moved.json()["state"] == "assessment"
    kinds = [e["kind"] for e in client.get(f"/api/v1/cases/{case.pk}/timeline").json()]
    assert kinds == ["opened", "updated", "transition"]
    deadlines = client.get(f"/api/v1/cases/{case.pk}/deadlines").json()
    assert {d["code"] for d in deadlines} == {
        "first_contact",
        "plan_agreed",
        "notify:parents_victim",  # GEN: the parents within 24 hours of opening
    }
    notice = next(d for d in deadlines if d["kind"] == "notification")
    assert notice["notification"] == "parents_victim" and notice["stopped_at"] is None


def test_agency_answers_referrals_by_api(client, tree, case):
    referral = services.referral_send(
        actor=tree.users["coordinator"],
        case=case,
        kind="police",
        agency=tree.county,
        message="Threats with a knife.",
    )
    client.force_login(tree.users["agency"])
    listed = client.get("/api/v1/cases/referrals/").json()
    assert [r["id"] for r in listed] == [referral.pk]
    answered = post(client, f"/api/v1/cases/referrals/{referral.pk}/answer", {"status": "accepted"})
    assert answered.status_code == 200 and answered.json()["status"] == "accepted"
    referral.refresh_from_db()
    assert referral.status == Referral.Status.ACCEPTED
    client.force_login(tree.users["coordinator"])
    assert client.get("/api/v1/cases/referrals/").json() == []
