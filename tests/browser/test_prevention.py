"""Prevention in a browser, in Vietnamese: a principal creates this year's plan from the
template and marks an activity done with evidence; a teacher signs the pledge; the county
inspector's overview shows the school's pledge rate."""

import re

import pytest
from playwright.sync_api import expect

from haven.orgs.tests.factories import PASSWORD
from haven.prevention.models import ActivityStatus, Pledge, PreventionPlan
from haven.prevention.selectors import school_year_now
from tests.browser.signin import enter_totp_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def login(browser, live_server, user, language="vi", viewport=None):
    user.language = language
    user.save()
    context = browser.new_context(viewport=viewport or {"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/en/account/login/")
    page.locator("#id_username").fill(user.email)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("main form button.primary").click()
    enter_totp_code(page, user.email)
    page.wait_for_url(re.compile(rf"/{language}/$"))
    return page


def test_vietnamese_plan_pledge_and_county_rate(browser, live_server, tree, compiled_messages):
    school = tree.school_a
    school.jurisdiction.languages = ["vi"]  # a Vietnamese school: its plan is in Vietnamese
    school.jurisdiction.save()
    year = school_year_now(school)

    # The principal starts this year's plan from the Vietnamese appendix template.
    page = login(browser, live_server, tree.users["principal"])
    page.goto(f"{live_server.url}/vi/prevention/")
    page.wait_for_url(re.compile(rf"/vi/prevention/units/{school.pk}/$"))
    page.locator(".prevention-tabs a").nth(1).click()
    page.locator("#plan-create select[name=source]").select_option("template:VN_APPENDIX")
    page.locator("#plan-create button").click()
    expect(page.locator("#goal-awareness")).to_be_visible()
    expect(page.locator("#goal-awareness")).to_contain_text("Hiệu trưởng")
    plan = PreventionPlan.objects.get(unit=school, year=year)
    assert plan.activities.count() == 15

    # ... and marks the pledge activity done, with its evidence.
    activity = plan.activities.get(what__startswith="Tổ chức cho cán bộ")
    page.locator(f"tr[data-activity='{activity.pk}'] a").first.click()
    page.locator("#id_status").select_option("done")
    page.locator("#id_evidence_note").fill("Biên bản ký cam kết ngày 20/9, 24/24 CB, GV, NV đã ký.")
    page.locator("#progress-form button[type=submit]").click()
    expect(page.locator(f"tr[data-activity='{activity.pk}'] .status-done")).to_be_visible()
    activity.refresh_from_db()
    assert activity.status == ActivityStatus.DONE
    assert activity.evidence_note.startswith("Biên bản")
    page.context.close()

    # A teacher reads and signs the pledge, on a phone.
    teacher = login(
        browser, live_server, tree.users["staff"], viewport={"width": 390, "height": 844}
    )
    teacher.goto(f"{live_server.url}/vi/prevention/pledge/")
    expect(teacher.locator(".pledge-text")).to_contain_text("bạo lực")
    teacher.locator("#pledge-form button").click()
    expect(teacher.locator("#pledge-signed")).to_be_visible()
    assert Pledge.objects.get().user == tree.users["staff"]
    teacher.context.close()

    # The county inspector sees the school's pledge rate and opens the list behind it.
    inspector = login(browser, live_server, tree.users["inspector"])
    inspector.goto(f"{live_server.url}/vi/prevention/units/{tree.county.pk}/")
    pledges = inspector.locator(f"tr[data-school='{school.pk}'] td").nth(3)
    expect(pledges).to_contain_text("25%")
    expect(inspector.locator("#compliance tfoot")).to_contain_text("20%")  # 1 of 4 + 0 of 1
    pledges.locator("a").click()
    expect(inspector.locator("#pledges")).to_contain_text(tree.users["staff"].full_name)
    inspector.context.close()
