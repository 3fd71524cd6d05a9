"""Care in the API: the same need-to-know as the pages (test_access.MATRIX), by token too."""

import pytest
from django.test import Client

from haven.audit.models import AuditEvent
from haven.care.tests.test_access import things, world  # noqa: F401 (fixtures)
from haven.security.services import api_token_create

# endpoint -> expected status per user, as the page's (anonymous: 401 instead of the login).
MATRIX = {
    "concern": {None: 401, "staff": 404, "inspector": 404, "admin": 404, "agency": 404,
                "other_coordinator": 404, "coordinator": 200, "principal": 200,
                "psychologist": 200, "teacher": 200},
    "round": {None: 401, "staff": 404, "agency": 404, "other_coordinator": 404,
              "coordinator": 200, "teacher": 200, "inspector": 200},
    "meeting": {None: 401, "staff": 404, "teacher": 404, "inspector": 404,
                "other_coordinator": 404, "principal": 200, "coordinator": 200,
                "psychologist": 200},
}  # fmt: skip


def _path(kind, things):  # noqa: F811
    return {
        "concern": f"/api/v1/care/concerns/{things['entry'].pk}",
        "round": f"/api/v1/care/screening-rounds/{things['round'].pk}",
        "meeting": f"/api/v1/care/committee-meetings/{things['meeting'].pk}",
    }[kind]


@pytest.mark.parametrize("kind", sorted(MATRIX))
def test_care_endpoints_keep_the_pages_need_to_know(kind, world, things):  # noqa: F811
    users = {**world.users, "teacher": world.class_teacher}
    for who, status in MATRIX[kind].items():
        headers = {}
        if who is not None:
            secret = api_token_create(actor=users[who], name="t", scope="read")[1]
            headers = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
        answer = Client().get(_path(kind, things), **headers)
        assert answer.status_code == status, (kind, who, answer.content)


def test_lists_hold_only_what_the_user_may_open(client, world, things):  # noqa: F811
    client.force_login(world.users["staff"])
    assert client.get("/api/v1/care/concerns").json()["items"] == []
    client.force_login(world.users["coordinator"])
    items = client.get("/api/v1/care/concerns").json()["items"]
    assert [i["id"] for i in items] == [things["entry"].pk]
    assert items[0]["pupil_name"] == "Popescu Ana"
    meeting = client.get(f"/api/v1/care/committee-meetings/{things['meeting'].pk}").json()
    assert meeting["concern_ids"] == [things["entry"].pk] and meeting["hidden"] == 0
    screening = client.get(f"/api/v1/care/screening-rounds/{things['round'].pk}").json()
    assert screening["items"]["open"] == 1 and "description" not in str(screening["items"])


def test_reads_that_name_pupils_are_audited_like_the_pages(client, world, things):  # noqa: F811
    coordinator = world.users["coordinator"]
    client.force_login(coordinator)
    assert client.get("/api/v1/care/concerns").json()["count"] == 1
    listed = AuditEvent.objects.get(action="concern.list", actor=coordinator)
    assert listed.details == {"ids": [things["entry"].pk], "via": "api"}
    client.get(f"/api/v1/care/concerns/{things['entry'].pk}")
    client.get(f"/api/v1/care/committee-meetings/{things['meeting'].pk}")
    for action, thing in (("concern.view", things["entry"]), ("meeting.view", things["meeting"])):
        assert AuditEvent.objects.filter(
            action=action, object_id=str(thing.pk), actor=coordinator
        ).exists()
    # A refused read records nothing.
    client.force_login(world.users["other_coordinator"])
    client.get(f"/api/v1/care/concerns/{things['entry'].pk}")
    assert not AuditEvent.objects.filter(actor=world.users["other_coordinator"]).exists()
