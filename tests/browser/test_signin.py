"""Staff sign-in in a real browser: password, then the authenticator app's code."""

import re

import pytest
from playwright.sync_api import expect

from haven.audit.models import AuditEvent
from haven.orgs.tests.factories import PASSWORD, totp_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


@pytest.mark.parametrize("page", [PHONE], indirect=True)
def test_coordinator_signs_in_with_password_and_code_in_romanian_on_a_phone(
    page, live_server, tree, compiled_messages
):
    coordinator = tree.users["coordinator"]
    page.goto(f"{live_server.url}/ro/account/login/")
    page.get_by_label("Adresă de e-mail").fill(coordinator.email)
    page.get_by_label("Parolă").fill(PASSWORD)
    page.locator("main form button.primary").click()

    page.wait_for_url(re.compile(r"/ro/account/two-factor/authenticate/$"))
    expect(page.get_by_role("heading", name="Autentificare în doi pași")).to_be_visible()
    code = page.get_by_label("Cod")
    expect(code).to_have_attribute("autocomplete", "one-time-code")
    # Nothing on the page is wider than the phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    code.fill("12")
    page.locator("main form button.primary").first.click()
    expect(page.get_by_role("alert").filter(has_text="Cod incorect.")).to_be_visible()

    page.get_by_label("Cod").fill(totp_code())
    page.locator("main form button.primary").first.click()
    page.wait_for_url(re.compile(r"/ro/$"))
    expect(page.locator(".logout-form")).to_be_visible()
    assert AuditEvent.objects.filter(action="auth.login", actor=coordinator).count() == 1
