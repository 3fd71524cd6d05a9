import json
import os
from pathlib import Path

from haven.api import api

SNAPSHOT = Path(__file__).parent / "openapi.json"


def test_health_reports_database(client, db):
    response = client.get("/api/v1/health")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert response.json()["database"] in {"sqlite", "postgresql"}


def test_openapi_schema_is_served_and_matches_snapshot(client, db):
    """A changed API must be a deliberate change: update with HAVEN_UPDATE_SNAPSHOT=1."""
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    schema = api.get_openapi_schema()
    if os.environ.get("HAVEN_UPDATE_SNAPSHOT"):
        SNAPSHOT.write_text(json.dumps(schema, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    assert json.loads(json.dumps(schema)) == json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    assert "/api/v1/health" in response.json()["paths"]


def test_org_units_need_authentication(client, db):
    assert client.get("/api/v1/org-units").status_code == 401


def test_org_units_follow_the_same_access_rules_as_pages(client, tree):
    client.force_login(tree.users["coordinator"])
    codes = {item["code"] for item in client.get("/api/v1/org-units").json()["items"]}
    assert codes == {"SCH-A", "5A"}
    assert client.get(f"/api/v1/org-units/{tree.school_b.pk}").status_code == 404
    problem = client.get(f"/api/v1/org-units/{tree.school_b.pk}")
    assert problem["Content-Type"] == "application/problem+json"
    assert problem.json()["status"] == 404


def test_inspector_lists_children_of_a_zone(client, tree):
    client.force_login(tree.users["inspector"])
    items = client.get(f"/api/v1/org-units?parent={tree.zone_b.pk}").json()["items"]
    assert [item["code"] for item in items] == ["SCH-B"]
    assert items[0]["jurisdiction"] == "RO"


def test_a_21_digit_offset_or_id_is_a_422_not_an_overflow(client, tree):
    client.force_login(tree.users["coordinator"])
    for path in ("/api/v1/cases?offset=100000000000000000000", "/api/v1/cases?limit=201"):
        answer = client.get(path)
        assert answer.status_code == 422, path
        assert answer["Content-Type"] == "application/problem+json"
    assert client.get("/api/v1/cases/100000000000000000000").status_code == 422


def test_multipart_without_boundary_is_refused_not_a_server_error(tree):
    from django.test import Client

    client = Client(enforce_csrf_checks=True, raise_request_exception=False)
    client.force_login(tree.users["coordinator"])
    answer = client.generic(
        "POST", "/api/v1/cases/1/steps", b"step=assess", content_type="multipart/form-data"
    )
    assert answer.status_code == 400
    assert answer["Content-Type"] == "application/problem+json"
