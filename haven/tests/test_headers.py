"""Security headers and idle staff sessions: a CSP without inline script on every page, no
referrer from the public reporting pages, no caching of report and case pages, and staff
sessions that end after the idle time."""

import re
from pathlib import Path

import pytest
import time_machine
from django.urls import reverse
from django.utils import translation

from haven.intake.tests.helpers import submit

pytestmark = pytest.mark.django_db
TEMPLATES = Path(__file__).resolve().parent.parent


def url(name, *args):
    with translation.override("en"):
        return reverse(name, args=args)


def test_no_template_holds_an_inline_script_or_event_handler():
    """The CSP forbids them; a page that needed one would silently break."""
    # A JSON data block (type="application/json") is never run: the CSP does not need it.
    inline_script = re.compile(
        r"<script(?![^>]*\bsrc=)(?![^>]*\btype=\"application/json\")[^>]*>", re.IGNORECASE
    )
    handler = re.compile(r"\s(?:on[a-z]+|hx-on[:\-][^=\s]*)\s*=", re.IGNORECASE)
    offenders = []
    paths = list(TEMPLATES.rglob("templates/**/*.html"))
    assert len(paths) > 50  # the search found the templates
    for path in paths:
        text = path.read_text(encoding="utf-8")
        if inline_script.search(text) or handler.search(text):
            offenders.append(str(path.relative_to(TEMPLATES)))
    assert offenders == []


def test_every_page_has_a_csp_without_inline_script(client, tree):
    for response in (
        client.get(f"/r/{tree.school_a.code}/"),
        client.get(url("login")),
    ):
        csp = response["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert "unsafe-eval" not in csp and "frame-ancestors 'none'" in csp


def test_public_pages_send_no_referrer_and_are_not_cached(client, tree):
    for path in (f"/r/{tree.school_a.code}/", "/follow-up/"):
        response = client.get(path)
        assert response.status_code == 200
        assert response["Referrer-Policy"] == "no-referrer"
        assert "no-store" in response["Cache-Control"]
    # Staff pages keep the same-origin referrer (forms there post back with it).
    assert client.get(url("login"))["Referrer-Policy"] == "same-origin"


def test_report_and_case_pages_are_not_cached(client, tree):
    report, _ = submit(tree.school_a)
    client.force_login(tree.users["coordinator"])
    pages = (url("intake:inbox"), url("intake:report_detail", report.pk), url("cases:case_list"))
    for path in pages:
        response = client.get(path)
        assert response.status_code == 200, path
        assert "no-store" in response["Cache-Control"]


def test_a_staff_session_ends_after_the_idle_time(client, tree, settings):
    settings.HAVEN_SESSION_IDLE_MINUTES = 30
    inbox = url("intake:inbox")
    with time_machine.travel("2026-10-14 09:00Z", tick=False) as clock:
        client.force_login(tree.users["coordinator"])
        assert client.get(inbox).status_code == 200
        clock.shift(29 * 60)  # active again within the idle time: still signed in
        assert client.get(inbox).status_code == 200
        clock.shift(29 * 60)
        assert client.get(inbox).status_code == 200
        clock.shift(31 * 60)  # idle too long: signed out, sent to sign in
        response = client.get(inbox)
        assert response.status_code == 302 and url("login") in response["Location"]


def test_a_public_form_posted_without_referrer_passes_the_csrf_check_by_its_token(tree):
    """Browsers post a no-referrer page's form with ``Origin: null``; the token decides."""
    from django.test import Client

    from haven.intake.tests.test_public import form_data

    browser = Client(enforce_csrf_checks=True)
    form = browser.get(f"/r/{tree.school_a.code}/")
    token = form.cookies["csrftoken"].value
    data = {**form_data(), "csrfmiddlewaretoken": token}
    posted = browser.post(f"/r/{tree.school_a.code}/", data, HTTP_ORIGIN="null")
    assert posted.status_code == 200 and b"receipt" in posted.content.lower()
    # Without the token, or on a staff page, Origin null is refused.
    refused = browser.post(f"/r/{tree.school_a.code}/", form_data(), HTTP_ORIGIN="null")
    assert refused.status_code == 403
    switched = browser.post(
        reverse("set_language"),
        {"csrfmiddlewaretoken": token, "language": "ro", "next": "/"},
        HTTP_ORIGIN="null",
    )
    assert switched.status_code == 302
    login = browser.post(url("login"), {"csrfmiddlewaretoken": token}, HTTP_ORIGIN="null")
    assert login.status_code == 403
