import json

import pytest
from django.utils import translation

from haven.api import WHOLE_BODY
from haven.intake.models import Report
from haven.intake.tests.helpers import VALID, submit
from haven.lib.errors import INVALID, REQUIRED


def post(client, path, payload):
    return client.post(path, json.dumps(payload), content_type="application/json")


def body(school, **overrides):
    data = {
        **VALID,
        "school": getattr(school, "code", school),
        "when": VALID["when_text"],
        **overrides,
    }
    data.pop("when_text")
    return data


def test_public_report_by_api_returns_receipt_and_numbers(client, tree):
    response = post(client, "/api/v1/reports", body(tree.school_a, **{"class": "5a"}))
    assert response.status_code == 201, response.content
    data = response.json()
    assert len(data["receipt"]) == 34 and data["status"] == "received"
    assert {"kind": "emergency", "number": "112"} in data["emergency_numbers"]
    report = Report.objects.get()
    assert report.channel == "api" and report.class_unit == tree.class_a


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"description": ""}, "description"),
        ({"affected": "everyone"}, "affected"),
        ({"description": "x" * 6000}, "description"),
        ({"time_of_day": "midnight"}, "time_of_day"),
    ],
)
def test_api_uses_the_form_rules(client, tree, overrides, field):
    response = post(client, "/api/v1/reports", body(tree.school_a, **overrides))
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    assert field in response.json()["errors"]
    assert Report.objects.count() == 0


def test_api_and_form_record_the_time_of_day(client, tree):
    response = post(client, "/api/v1/reports", body(tree.school_a, time_of_day="breaks"))
    assert response.status_code == 201, response.content
    form = {**VALID, "harms": VALID["harms"], "time_of_day": "lunch"}
    client.post(f"/r/{tree.school_a.code}/", form)
    assert sorted(Report.objects.values_list("time_of_day", flat=True)) == ["breaks", "lunch"]
    assert submit(tree.school_a)[0].time_of_day == ""  # optional


def test_api_unknown_school_is_404(client, tree):
    response = post(client, "/api/v1/reports", body("NOPE"))
    assert response.status_code == 404


def test_api_follow_up_and_write(client, tree):
    _report, receipt = submit(tree.school_a)
    read = post(client, "/api/v1/reports/follow-up", {"receipt": str(receipt)})
    assert read.status_code == 200 and read.json()["status"] == "received"
    wrote = post(
        client, "/api/v1/reports/follow-up/messages", {"receipt": str(receipt), "body": "hi"}
    )
    assert wrote.status_code == 201
    assert [m["sender"] for m in wrote.json()["messages"]] == ["reporter"]
    wrong = post(client, "/api/v1/reports/follow-up", {"receipt": "nope"})
    assert wrong.status_code == 400 and "receipt" in wrong.json()["title"]


def test_staff_api_lists_and_acts_with_the_same_rules(client, tree):
    mine, _ = submit(tree.school_a)
    theirs, _ = submit(tree.school_b)
    assert client.get("/api/v1/reports").status_code == 401
    client.force_login(tree.users["coordinator"])
    ids = [item["id"] for item in client.get("/api/v1/reports").json()["items"]]
    assert ids == [mine.pk]
    assert client.get(f"/api/v1/reports/{theirs.pk}").status_code == 404
    urgent = post(client, f"/api/v1/reports/{mine.pk}/urgent", {"urgent": True})
    assert urgent.status_code == 200 and urgent.json()["urgent"] is True
    msg = post(client, f"/api/v1/reports/{mine.pk}/messages", {"body": "Seen, thank you."})
    assert msg.status_code == 201
    client.force_login(tree.users["inspector"])
    # Not raised to the county: the inspector does not even see it (404, not 403).
    assert client.get("/api/v1/reports").json()["items"] == []
    refused = post(client, f"/api/v1/reports/{mine.pk}/dismiss", {"reason": "x"})
    assert refused.status_code == 404


@pytest.mark.parametrize(
    ("payload", "errors"),
    [
        ({"school": 5, "harms": "verbal"}, {"school", "harms"}),
        ({"harms": "verbal", "description": "x"}, {"school", "harms"}),
        ({"school": "SCH-A", "class": ["5A"], "description": "x"}, {"class"}),
    ],
)
def test_api_wrong_shapes_are_refused_per_field_in_the_reporters_language(
    client, tree, payload, errors
):
    # Shapes first (what the rules cannot read), then the rules (test_rules.py).
    response = client.post(
        "/api/v1/reports", json.dumps(payload), "application/json", HTTP_ACCEPT_LANGUAGE="ro"
    )
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    found = response.json()["errors"]
    assert set(found) == errors
    message = REQUIRED if "school" not in payload else INVALID
    with translation.override("ro"):
        romanian = str(message)
    with translation.override("en"):
        assert romanian != str(message)  # translated
    assert found.get("school", [romanian]) == [romanian]
    assert Report.objects.count() == 0


@pytest.mark.parametrize("raw", [b"not json", b"[1, 2]", b'"a string"', b""])
def test_api_body_that_is_not_a_json_object_gets_a_translated_refusal(client, tree, raw):
    response = client.post("/api/v1/reports", raw, "application/json", HTTP_ACCEPT_LANGUAGE="nl")
    assert response.status_code == 422
    assert response.json()["title"] != "Send the report as one JSON object."  # translated
    assert Report.objects.count() == 0


@pytest.mark.parametrize(
    "path, payload, field, wording",
    [
        ("/api/v1/reports/follow-up", {}, "receipt", REQUIRED),
        # A field the schema does not name is refused, not ignored.
        ("/api/v1/reports/follow-up", {"receipt": "x", "extra": 1}, "extra", INVALID),
        ("/api/v1/reports/follow-up", {"receipt": 5}, "receipt", INVALID),
        ("/api/v1/reports/follow-up/messages", {"receipt": "x", "body": ["a"]}, "body", INVALID),
    ],
)
def test_follow_up_wrong_shapes_are_refused_per_field_in_the_reporters_language(
    client, path, payload, field, wording
):
    response = client.post(path, json.dumps(payload), "application/json", HTTP_ACCEPT_LANGUAGE="ro")
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    with translation.override("ro"):
        assert response.json()["errors"] == {field: [str(wording)]}
    with translation.override("en"):
        assert str(wording) not in response.json()["errors"][field]  # not pydantic's English


@pytest.mark.parametrize("raw", [b"not json", b"\xff\xfe", b"[1, 2]"])
def test_follow_up_body_that_is_not_json_gets_a_translated_refusal(client, raw):
    response = client.post(
        "/api/v1/reports/follow-up", raw, "application/json", HTTP_ACCEPT_LANGUAGE="vi"
    )
    assert response.status_code == 422
    with translation.override("vi"):
        assert response.json()["title"] == str(WHOLE_BODY)
    with translation.override("en"):
        assert response.json()["title"] != str(WHOLE_BODY)  # not the English one


def test_ninja_s_other_errors_are_problem_documents_too(client):
    response = client.get("/api/v1/reports")  # the staff's inbox
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["status"] == 401
