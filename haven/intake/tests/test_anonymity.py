"""Nothing traces an anonymous reporter: no address, no browser, in the database or the logs."""

import json
import logging

from django.apps import apps
from django.db import connection

from haven.intake.models import Report
from haven.intake.tests.helpers import VALID

ADDRESS = "203.0.113.77"
FORWARDED = "198.51.100.23"
AGENT = "HavenProbe/9.9 (fingerprint-7Qx; Android 14)"
CLIENT_META = {
    "REMOTE_ADDR": ADDRESS,
    "HTTP_X_FORWARDED_FOR": FORWARDED,
    "HTTP_X_REAL_IP": FORWARDED,
    "HTTP_USER_AGENT": AGENT,
}


def everything_stored() -> str:
    rows = []
    with connection.cursor() as cursor:
        for model in apps.get_models():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(model._meta.db_table)}")  # noqa: S608
            rows.extend(repr(row) for row in cursor.fetchall())
    return "\n".join(rows)


def test_no_address_or_browser_is_stored_or_logged(client, tree, caplog, capsys, settings):
    settings.DEBUG = True  # the noisiest configuration
    caplog.set_level(logging.DEBUG)
    school = tree.school_a

    form = {**VALID, "submission_token": "t1"}
    sent = client.post(f"/r/{school.code}/", form, **CLIENT_META)
    assert sent.status_code == 200
    client.get(f"/r/{school.code}/", **CLIENT_META)
    client.get("/r/UNKNOWN/", **CLIENT_META)
    client.post("/follow-up/", {"receipt": "wrong"}, **CLIENT_META)
    api = client.post(
        "/api/v1/reports",
        json.dumps(
            {
                **{k: v for k, v in VALID.items() if k != "when_text"},
                "school": school.code,
                "when": "today",
            }
        ),
        content_type="application/json",
        **CLIENT_META,
    )
    assert api.status_code == 201, api.content
    receipt = api.json()["receipt"]
    client.post(
        "/api/v1/reports/follow-up/messages",
        json.dumps({"receipt": receipt, "body": "more"}),
        content_type="application/json",
        **CLIENT_META,
    )
    assert Report.objects.count() == 2

    stored = everything_stored()
    captured = capsys.readouterr()
    logged = caplog.text + captured.out + captured.err
    for trace in (ADDRESS, FORWARDED, AGENT, "fingerprint-7Qx", "HavenProbe"):
        assert trace not in stored, f"{trace} stored"
        assert trace not in logged, f"{trace} logged"
    assert "fingerprint" not in stored.lower()
