"""A pupil's phone in Kazakh opens a Kazakh school's form in Kazakh, the long Kazakh labels fit
the screen, and the report and its receipt page are in Kazakh; the pupil can switch to Russian."""

import re

import pytest
from playwright.sync_api import expect

from haven.intake.models import Report
from haven.orgs.models import Jurisdiction, OrgUnit
from haven.orgs.tests.factories import unit
from tests.browser.test_journeys import PHONE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_kazakh_pupil_reports_in_kazakh_on_a_phone(browser, live_server, tree, compiled_messages):
    kz = Jurisdiction.objects.create(
        code="KZ", languages=["kk", "ru"], time_zone="Asia/Almaty", phone_numbers=[]
    )
    country = unit(None, OrgUnit.Kind.COUNTRY, "KZ", kz)
    school = unit(country, OrgUnit.Kind.SCHOOL, "KZ-1")
    context = browser.new_context(viewport=PHONE, locale="kk-KZ")
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto(f"{live_server.url}/r/{school.code}/")
    expect(page.locator("html")).to_have_attribute("lang", "kk")
    expect(page.get_by_role("heading", name="Не болғанын айтып беріңіз")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    page.locator("#id_description").fill("Сыныптастарым маған күнде жаман ат қояды.")
    page.locator("input[name=affected][value=me]").check()
    page.locator("input[name=reporter_role][value=pupil]").check()
    page.locator("form.report-form button[type=submit]").click()
    expect(page.get_by_role("heading", name="Рахмет. Хабарламаңыз жіберілді.")).to_be_visible()
    expect(page.locator("#receipt-heading")).to_have_text("Сіздің түбіртегіңіз")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert Report.objects.get().language == "kk"

    page.goto(f"{live_server.url}/r/{school.code}/")
    page.get_by_label("Тіл").select_option(label="Русский")
    page.locator(".language-form button[type=submit]").click()
    page.wait_for_url(re.compile(rf"/r/{school.code}/$"))
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    context.close()
