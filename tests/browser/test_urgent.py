"""The urgent path in the browser: a pupil on a phone writes in Romanian that they want to die
at a school with nobody to respond; the receipt repeats the help numbers; the county
inspector, told, takes the report on in Russian with one click."""

import re

import pytest
from playwright.sync_api import expect

from haven.intake.models import EventKind, Report
from haven.notify.models import Message
from haven.orgs.models import OrgUnit, Role
from haven.orgs.tests.factories import PASSWORD, member, unit
from tests.browser.signin import enter_totp_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def test_an_urgent_report_reaches_the_inspector_who_takes_it_on(
    browser, live_server, tree, compiled_messages
):
    empty = unit(tree.zone_b, OrgUnit.Kind.SCHOOL, "SCH-EMPTY")
    member(Role.STAFF, empty)
    pupil = browser.new_context(viewport=PHONE, locale="ro-RO")
    page = pupil.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/r/{empty.code}/")
    page.locator("#id_description").fill("Nu mai pot. Vreau să mă omor.")
    page.locator("input[name=affected][value=me]").check()
    page.locator("input[name=reporter_role][value=pupil]").check()
    page.locator("form.report-form button[type=submit]").click()
    expect(page.locator("#urgent-receipt-heading")).to_have_text("Sesizarea ta poate fi urgentă")
    expect(page.locator(".urgent-receipt a[href='tel:112']")).to_be_visible()
    report = Report.objects.get()
    assert report.urgent
    message = Message.objects.get(dedupe_key=f"urgent:{report.pk}:{tree.county.pk}")
    assert message.recipient == tree.users["inspector"]
    pupil.close()

    inspector = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ru-RU")
    page = inspector.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/ru/account/login/")
    page.locator("#id_username").fill(tree.users["inspector"].email)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("form button.primary").click()
    enter_totp_code(page, tree.users["inspector"].email)
    page.wait_for_url(re.compile(r"/ru/$"))
    page.goto(f"{live_server.url}/ru/inbox/{report.pk}/")
    page.locator("button[value=acknowledge]").click()
    expect(page.locator(".urgent-path")).to_contain_text("Принято")
    expect(page.locator("button[value=acknowledge]")).to_have_count(0)
    assert report.events.filter(kind=EventKind.ACKNOWLEDGED).exists()
    inspector.close()
