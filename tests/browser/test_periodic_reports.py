"""A Vietnamese principal fills, signs and submits the semester report on a phone; the
district officer, reading in Romanian on a desktop, sees it on time and accepts it."""

import re

import pytest
from playwright.sync_api import expect

from haven.orgs.calendar import calendar_for
from haven.orgs.models import OrgUnit, Role
from haven.orgs.tests.factories import PASSWORD, JurisdictionFactory, member, unit
from haven.reporting import datafiles, selectors
from haven.reporting.models import PeriodicReport
from haven.reporting.services import report_generate
from tests.browser.signin import enter_totp_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def sign_in(page, base, email, lang):
    page.goto(f"{base}/{lang}/account/login/")
    page.locator("#id_username").fill(email)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("form button.primary").click()
    enter_totp_code(page, email)
    page.wait_for_url(re.compile(rf"/{lang}/$"))


def test_semester_report_filled_on_a_phone_in_vietnamese_accepted_in_romanian(
    browser, live_server, compiled_messages
):
    vn = JurisdictionFactory(code="VN", languages=["vi"], time_zone="Asia/Ho_Chi_Minh")
    city = unit(unit(unit(None, OrgUnit.Kind.COUNTRY, "VN", vn), "province", "QN"), "city", "QY")
    school = unit(city, OrgUnit.Kind.SCHOOL, "VN-1")
    principal = member(Role.PRINCIPAL, school, email="principal@vn.example")
    officer = member(Role.INSPECTOR, city, email="officer@vn.example")
    template = datafiles.template_get("vn_semester")
    today = selectors.today_at(school)
    start, end, key = template.last_ended(calendar_for(school), today)
    report_generate(unit=school, template=template, start=start, end=end, key=key)
    report = PeriodicReport.objects.get(unit=school, template="vn_semester")

    phone = browser.new_context(viewport=PHONE, locale="vi-VN")
    page = phone.new_page()
    page.set_default_timeout(15_000)
    sign_in(page, live_server.url, principal.email, "vi")
    page.locator("nav a[href='/vi/reporting/']").click()
    page.locator(f"a[href='/vi/reporting/{report.pk}/']").first.click()
    expect(page.locator("h1")).to_have_text("Báo cáo học kỳ về kế hoạch trường học an toàn")
    page.locator("#field-evaluation").fill("Kế hoạch được thực hiện đầy đủ.")
    page.locator("#field-measures").fill("Họp phụ huynh, tập huấn giáo viên.")
    page.locator("#field-proposals").fill("Bổ sung tài liệu.")
    page.get_by_role("button", name="Lưu", exact=True).click()
    page.get_by_role("button", name="Ký", exact=True).click()
    expect(page.locator("#report-state")).to_have_text("đã ký")
    page.get_by_role("button", name="Gửi lên cấp trên").click()
    expect(page.locator("#report-state")).to_have_text("đã gửi")

    desk = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ro-RO")
    page = desk.new_page()
    page.set_default_timeout(15_000)
    sign_in(page, live_server.url, officer.email, "ro")
    page.goto(
        f"{live_server.url}/ro/reporting/units/{city.pk}/?template=vn_semester&period={start}"
    )
    row = page.locator("tr[data-unit='VN-1']")
    expect(row).to_contain_text("la timp" if today <= report.due else "întârziat")
    row.locator("a").click()
    page.get_by_role("button", name="Acceptați", exact=True).click()
    report.refresh_from_db()
    assert report.state == "accepted"
