"""Haven's URLs plus the benchmark's two references, served by the same process.

hello: the floor of the HTTP stack (server, Django, middleware) with no database.
durable: the minimal durable write, one transaction inserting a report-shaped row and an
audit-shaped row in raw SQL (tables made by bench/intake.py, not by Haven's migrations).
"""

import base64
import hashlib
import json
import secrets

from django.db import connection, transaction
from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from haven.urls import urlpatterns as haven_urlpatterns

REPORT_SQL = """
    INSERT INTO bench_report (school_id, channel, status, public_status, urgent, description,
        when_text, place, time_of_day, harms, affected, reporter_role, contact, language,
        receipt_lookup,
        receipt_hash, submission_key, created_at, first_response_due, dismiss_reason,
        notify_pending, outcome, urgent_levels_told)
    VALUES (%s, 'api', 'new', 'received', false, %s, '', %s, '', %s, %s, %s, '', 'en', %s, %s, %s,
        now(), now() + interval '24 hours', '', true, '{}', 0)
    RETURNING id
"""
AUDIT_SQL = """
    INSERT INTO bench_audit (created_at, actor_label, action, object_type, object_id,
        object_repr, org_unit_id, details)
    VALUES (now(), 'system', 'report.submit', 'intake.report', %s, %s, %s, '{}')
"""


def hello(request: HttpRequest) -> HttpResponse:
    return HttpResponse(b"hello", content_type="text/plain")


@csrf_exempt
@require_POST
def durable(request: HttpRequest) -> HttpResponse:
    body = json.loads(request.body)
    school_id = int(body["school_id"])
    key = hashlib.sha256(body["submission_token"].encode()).hexdigest()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            REPORT_SQL,
            [
                school_id,
                body["description"],
                body["place"],
                json.dumps(body["harms"]),
                body["affected"],
                body["reporter_role"],
                base64.b32encode(secrets.token_bytes(5)).decode(),  # 40 bits, as Haven's
                secrets.token_hex(32),
                key,
            ],
        )
        report_id = cursor.fetchone()[0]
        cursor.execute(AUDIT_SQL, [str(report_id), f"#{report_id}", school_id])
    return HttpResponse(b'{"status": "received"}', status=201, content_type="application/json")


urlpatterns = [
    path("bench/hello/", hello),
    path("bench/durable/", durable),
    *haven_urlpatterns,
]
