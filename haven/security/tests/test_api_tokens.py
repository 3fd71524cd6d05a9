import datetime as dt
import hashlib
import json

import pytest
import time_machine
from django.test import Client

from haven.audit.models import AuditEvent
from haven.cases import services as case_services
from haven.security.models import ApiToken
from haven.security.services import api_token_create, api_token_revoke

START = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)


def bearer(secret):
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def token_for(user, scope="read-write", days=90):
    return api_token_create(actor=user, name="sync", scope=scope, days=days)[1]


def test_token_is_created_on_the_account_page_and_shown_once(client, tree):
    user = tree.users["coordinator"]
    client.force_login(user)
    created = client.post(
        "/en/account/tokens/", {"name": "Ministry sync", "scope": "read", "days": "30"}
    )
    assert created.status_code == 200
    assert created["Cache-Control"] == "no-store"
    token = ApiToken.objects.get(user=user)
    secret = created.context["new_secret"]
    assert secret.startswith("hvn_") and secret in created.content.decode()
    # Only the digest is stored, with a visible prefix to tell tokens apart.
    assert token.digest == hashlib.sha256(secret.encode()).hexdigest()
    assert secret.startswith(token.prefix) and len(token.prefix) < 12
    assert token.scope == "read"
    assert (token.expires_at - token.created_at).days == 30
    again = client.get("/en/account/")
    assert secret not in again.content.decode() and token.prefix in again.content.decode()
    event = AuditEvent.objects.get(action="api_token.created")
    assert event.actor_id == user.pk and secret not in json.dumps(event.details)


@pytest.mark.parametrize("days", ["0", "366", "x"])
def test_a_token_lasts_one_year_at_most(client, tree, days):
    client.force_login(tree.users["coordinator"])
    refused = client.post("/en/account/tokens/", {"name": "x", "scope": "read", "days": days})
    assert refused.status_code == 422
    assert ApiToken.objects.count() == 0


def test_account_page_needs_a_login(client, tree):
    assert client.get("/en/account/").status_code == 302
    assert client.post("/en/account/tokens/", {"name": "x"}).status_code == 302
    assert ApiToken.objects.count() == 0


def test_token_opens_the_api_with_the_users_own_access(client, tree):
    secret = token_for(tree.users["coordinator"], scope="read")
    answer = client.get("/api/v1/org-units", **bearer(secret))
    assert answer.status_code == 200
    assert {item["code"] for item in answer.json()["items"]} == {"SCH-A", "5A"}
    other = client.get(f"/api/v1/org-units/{tree.school_b.pk}", **bearer(secret))
    assert other.status_code == 404


@pytest.mark.parametrize("header", ["Bearer hvn_wrong", "Bearer nonsense", "Bearer "])
def test_unknown_token_is_a_401_problem(client, tree, header):
    answer = client.get("/api/v1/org-units", HTTP_AUTHORIZATION=header)
    assert answer.status_code == 401
    assert answer["Content-Type"] == "application/problem+json"


def test_revoked_and_expired_tokens_stop_working(client, tree):
    user = tree.users["coordinator"]
    with time_machine.travel(START, tick=False):
        revoked, expiring = token_for(user), token_for(user, days=1)
        token = ApiToken.objects.get(digest=hashlib.sha256(revoked.encode()).hexdigest())
        api_token_revoke(actor=user, token_id=token.pk)
        assert client.get("/api/v1/org-units", **bearer(revoked)).status_code == 401
        assert client.get("/api/v1/org-units", **bearer(expiring)).status_code == 200
    with time_machine.travel(START + dt.timedelta(days=1, seconds=1), tick=False):
        assert client.get("/api/v1/org-units", **bearer(expiring)).status_code == 401
    assert AuditEvent.objects.filter(action="api_token.revoked").count() == 1


def test_read_only_token_cannot_write(tree):
    case = case_services.case_open(
        actor=tree.users["coordinator"], school=tree.school_a, title="Yard"
    )
    client = Client(enforce_csrf_checks=True)
    secret = token_for(tree.users["coordinator"], scope="read")
    path = f"/api/v1/cases/{case.pk}/steps"
    refused = client.post(path, {"step": "assess"}, "application/json", **bearer(secret))
    assert refused.status_code == 403
    assert refused["Content-Type"] == "application/problem+json"
    assert client.get(f"/api/v1/cases/{case.pk}", **bearer(secret)).status_code == 200


def test_read_write_token_writes_without_csrf_but_a_session_still_needs_it(tree):
    user = tree.users["coordinator"]
    case = case_services.case_open(actor=user, school=tree.school_a, title="Yard")
    case_services.case_update(actor=user, case=case, changes={"case_type": "child_child"})
    client = Client(enforce_csrf_checks=True)
    path = f"/api/v1/cases/{case.pk}/steps"
    client.force_login(user)
    assert client.post(path, {"step": "assess"}, "application/json").status_code == 403
    moved = client.post(path, {"step": "assess"}, "application/json", **bearer(token_for(user)))
    assert moved.status_code == 200 and moved.json()["state"] == "assessment"


def test_use_is_recorded_once_an_hour_not_per_request(client, tree):
    user = tree.users["coordinator"]
    secret = token_for(user, scope="read")
    with time_machine.travel(START, tick=False):
        for _ in range(3):
            assert client.get("/api/v1/org-units", **bearer(secret)).status_code == 200
    with time_machine.travel(START + dt.timedelta(minutes=30), tick=False):
        client.get("/api/v1/org-units", **bearer(secret))
    token = ApiToken.objects.get(user=user)
    assert token.last_used_at == START + dt.timedelta(minutes=30)
    assert AuditEvent.objects.filter(action="api_token.used").count() == 1
    with time_machine.travel(START + dt.timedelta(hours=1, minutes=5), tick=False):
        client.get("/api/v1/org-units", **bearer(secret))
    assert AuditEvent.objects.filter(action="api_token.used").count() == 2


def test_nobody_revokes_another_persons_token(client, tree):
    secret = token_for(tree.users["coordinator"])
    token = ApiToken.objects.get()
    client.force_login(tree.users["other_coordinator"])
    assert client.post(f"/en/account/tokens/{token.pk}/revoke/").status_code == 404
    assert client.get("/api/v1/org-units", **bearer(secret)).status_code == 200
    client.force_login(tree.users["coordinator"])
    assert client.post(f"/en/account/tokens/{token.pk}/revoke/").status_code == 302
    assert client.get("/api/v1/org-units", **bearer(secret)).status_code == 401


def test_a_deactivated_user_s_token_stops_working(client, tree):
    user = tree.users["coordinator"]
    secret = token_for(user)
    user.is_active = False
    user.save(update_fields=["is_active"])
    assert client.get("/api/v1/org-units", **bearer(secret)).status_code == 401
