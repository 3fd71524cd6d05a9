"""A pupil reports on a phone in Vietnamese; a coordinator answers in Romanian; the pupil
reads the answer with the receipt."""

import re

import pytest
from playwright.sync_api import expect

from haven.intake.models import Report
from haven.orgs.tests.factories import PASSWORD
from tests.browser.signin import enter_totp_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
REPLY = "Mulțumim. Vorbim azi cu dirigintele. / Cảm ơn em, cô sẽ nói chuyện với lớp."


def test_pupil_reports_in_vietnamese_and_reads_the_romanian_coordinators_reply(
    browser, live_server, tree, compiled_messages
):
    pupil = browser.new_context(viewport=PHONE, locale="vi-VN")
    pupil_page = pupil.new_page()
    pupil_page.set_default_timeout(15_000)
    pupil_page.goto(f"{live_server.url}/r/{tree.school_a.code}/{tree.class_a.code}/")
    expect(pupil_page.locator("html")).to_have_attribute("lang", "vi")
    expect(pupil_page.locator(".danger a[href='tel:112']").first).to_be_visible()
    expect(pupil_page.locator("h1")).to_have_text("Hãy kể cho chúng tôi chuyện gì đã xảy ra")

    pupil_page.locator("#id_description").fill("Bạn ấy đẩy em ở hành lang mỗi giờ ra chơi.")
    pupil_page.locator("#id_place").select_option("corridor")
    pupil_page.locator("input[name=harms][value=physical]").check()
    pupil_page.locator("input[name=affected][value=me]").check()
    pupil_page.locator("input[name=reporter_role][value=pupil]").check()
    pupil_page.locator("form.report-form button[type=submit]").click()

    expect(pupil_page.locator("#receipt-heading")).to_have_text("Mã theo dõi của bạn")
    receipt = pupil_page.locator("#receipt-code").inner_text().strip()
    assert re.fullmatch(r"[0-9A-Z]{4}(-[0-9A-Z]{4}){6}", receipt)
    assert receipt not in pupil_page.url
    report = Report.objects.get()
    assert report.language == "vi" and report.class_unit == tree.class_a

    coordinator = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ro-RO")
    page = coordinator.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/ro/account/login/")
    page.locator("#id_username").fill(tree.users["coordinator"].email)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("form button.primary").click()
    enter_totp_code(page, tree.users["coordinator"].email)
    page.wait_for_url(re.compile(r"/ro/$"))
    inbox_link = page.locator("nav a[href='/ro/inbox/']")
    expect(inbox_link).to_have_text("Sesizări")
    inbox_link.click()
    page.wait_for_url(re.compile(r"/ro/inbox/"))
    page.locator(f"a[href='/ro/inbox/{report.pk}/']").click()
    expect(page.locator(".report-text")).to_contain_text("hành lang")
    page.locator("button[value=urgent]").click()
    expect(page.locator(".badge.urgent").first).to_be_visible()
    page.locator("#reply-body").fill(REPLY)
    page.locator("button[value=reply]").click()
    expect(page.locator(".timeline .message.from-staff")).to_contain_text("dirigintele")

    pupil_page.goto(f"{live_server.url}/follow-up/")
    pupil_page.locator("#id_receipt").fill(receipt.lower().replace("-", " "))
    pupil_page.locator("main form button.primary").click()
    expect(pupil_page.locator(".thread .from-staff")).to_contain_text("Cảm ơn em")
    expect(pupil_page.locator("html")).to_have_attribute("lang", "vi")
    pupil.close()
    coordinator.close()
