"""Cases in a browser: in Romanian a coordinator opens a case from an anonymous report,
classifies it grave, records the parents' notification and refers it to child protection,
whose user accepts it; a missed deadline reaches the county inspector; in Chinese an appeal is
decided at county level; the anonymous reporter sees "being handled", then "closed"."""

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from haven.cases import services
from haven.cases.models import Appeal, Case, Referral
from haven.intake.tests.helpers import submit
from haven.orgs.tests.factories import PASSWORD
from tests.browser.signin import enter_totp_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def login(browser, live_server, user, language):
    user.language = language
    user.save()
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/en/account/login/")
    page.locator("#id_username").fill(user.email)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("main form button.primary").click()
    enter_totp_code(page, user.email)
    page.wait_for_url(re.compile(rf"/{language}/$"))
    return page


def reporter_status(browser, live_server, receipt):
    context = browser.new_context(locale="ro-RO")
    page = context.new_page()
    page.goto(f"{live_server.url}/follow-up/")
    page.locator("#id_receipt").fill(str(receipt))
    page.locator("main form button.primary").click()
    text = page.locator(".status").inner_text()
    context.close()
    return text


def test_romanian_case_with_referral_and_escalation(browser, live_server, tree, compiled_messages):
    jurisdiction = tree.school_a.jurisdiction
    jurisdiction.procedure_code = "RO"
    jurisdiction.save()
    report, receipt = submit(tree.school_a)

    page = login(browser, live_server, tree.users["coordinator"], "ro")
    page.goto(f"{live_server.url}/ro/inbox/{report.pk}/")
    page.locator("#case-title").fill("Incident pe hol")
    page.locator(f"form[action$='/from-report/{report.pk}/'] button").click()
    page.wait_for_url(re.compile(r"/ro/cases/\d+/$"))
    case = Case.objects.get()
    assert case.procedure_code == "RO"

    page.locator("button[value=intervene]").click()
    page.locator("#facts-form select[name=case_type]").select_option("child_child")
    page.locator("#facts-form select[name=severity]").select_option("grave")
    page.locator("#facts-form button").click()
    page.locator("button[value=classify]").click()
    expect(page.locator("#case-state")).to_have_text("Caz încadrat; informarea părinților")
    expect(page.locator("#case-severity")).not_to_have_text("—")
    # A grave case owes the county inspectorate a notification within 24 hours; the commission
    # step waits for it.
    expect(page.locator(".deadline[data-code='notify:isj']")).to_contain_text(
        "Inspectoratul Școlar Județean"
    )
    # Each side's parents have their own 24 hours once the case has a pupil on that side.
    services.case_party_add(
        actor=tree.users["coordinator"], case=case, role="victim", description="Elevul A"
    )
    page.reload()
    parents = page.locator(".deadline[data-code='notify:parents_victim']")
    expect(parents.locator(".met-by")).to_contain_text("Părinții elevului victimă")
    expect(page.locator("#needs-investigate")).to_contain_text("ISJ")

    form = page.locator("#notification-form")
    # the record forms sit in <details>; open them as a user would
    page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
    form.locator("select[name=code]").select_option("parents_victim")
    form.locator("input[name=recipient]").fill("Mama elevului")
    form.locator("select[name=method]").select_option("phone")
    form.locator("input[name=notified_at]").fill(timezone.localtime().strftime("%Y-%m-%dT%H:%M"))
    form.locator("input[name=proof]").fill("Apel 10:05, consemnat în registru")
    form.locator("button").click()
    expect(page.locator("#notifications-heading + ul")).to_contain_text("Mama elevului")
    expect(parents.locator(".met-by")).to_have_count(0)  # met by that notification

    page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
    referral_form = page.locator("#referral-form")
    referral_form.locator("select[name=kind]").select_option("dgaspc")
    referral_form.locator("select[name=agency]").select_option(str(tree.county.pk))
    referral_form.locator("textarea[name=message]").fill("Vă rugăm evaluați situația familiei.")
    referral_form.locator("button").click()
    expect(page.locator(".referral-status")).to_have_count(1)

    agency = login(browser, live_server, tree.users["agency"], "ro")
    agency.goto(f"{live_server.url}/ro/cases/")
    agency.locator("main a[href*='/ro/cases/referrals/']").first.click()
    expect(agency.locator("main")).not_to_contain_text(case.narrative)  # only the referral
    agency.locator("textarea[name=answer]").fill("Preluat de asistentul social de serviciu.")
    agency.locator("button[value=accepted]").click()
    assert Referral.objects.get().status == Referral.Status.ACCEPTED
    page.reload()
    expect(page.locator("#referrals-heading + ul")).to_contain_text("Preluat de asistentul social")

    # The inspectorate was not told within 24 hours: the clock escalates to the county.
    services.clock_sweep(now=timezone.now() + dt.timedelta(hours=25))
    inspector = login(browser, live_server, tree.users["inspector"], "ro")
    inspector.goto(f"{live_server.url}/ro/cases/")
    row = inspector.locator("tr", has=inspector.locator(f"a[href='/ro/cases/{case.pk}/']"))
    expect(row.locator(".badge.urgent")).to_be_visible()  # escalated

    assert reporter_status(browser, live_server, receipt) == "În lucru"
    Case.objects.filter(pk=case.pk).update(state="monitoring")
    case.refresh_from_db()
    services.case_update(
        actor=tree.users["coordinator"], case=case, changes={"determination": "bullying"}
    )
    services.case_transition(actor=tree.users["coordinator"], case=case, code="close")
    assert reporter_status(browser, live_server, receipt) == "Închisă"  # the report (sesizarea)


def test_chinese_appeal_is_decided_at_county_level(browser, live_server, tree, compiled_messages):
    jurisdiction = tree.school_a.jurisdiction
    jurisdiction.procedure_code = "CN"
    jurisdiction.save()
    case = services.case_open(
        actor=tree.users["coordinator"], school=tree.school_a, title="操场事件"
    )
    services.case_update(
        actor=tree.users["coordinator"], case=case, changes={"determination": "bullying"}
    )

    coordinator = login(browser, live_server, tree.users["coordinator"], "zh-hans")
    coordinator.goto(f"{live_server.url}/zh-hans/cases/{case.pk}/")
    coordinator.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
    coordinator.locator("#appeal-form input[name=filed_by]").fill("被认定学生的家长")
    coordinator.locator("#appeal-form textarea[name=grounds]").fill("双方是朋友间的打闹。")
    coordinator.locator("#appeal-form button").click()
    expect(coordinator.locator(".appeal")).to_contain_text("被认定学生的家长")

    inspector = login(browser, live_server, tree.users["inspector"], "zh-hans")
    inspector.goto(f"{live_server.url}/zh-hans/cases/{case.pk}/")
    decision = inspector.locator("form.appeal-decision")
    decision.locator("input[value=changed]").check()
    decision.locator("select[name=determination]").select_option("not_bullying")
    decision.locator("textarea[name=decision]").fill("经县级复查，双方力量均衡，不构成欺凌。")
    decision.locator("button").click()
    expect(inspector.locator(".appeal-outcome")).not_to_have_text("")
    appeal = Appeal.objects.get()
    assert appeal.outcome == "changed" and appeal.decided_by == tree.users["inspector"]
    case.refresh_from_db()
    assert case.determination == "not_bullying"
