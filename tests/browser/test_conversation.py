"""The reporter's promise, in a browser and in two languages: a pupil reports on the public
form; the coordinator opens a case; they write to each other twice after it opened; a second
pupil's report is merged into the first and that pupil is answered too; the case closes with a
closing message, which both pupils read on the follow-up page in their language."""

import re

import pytest
from playwright.sync_api import expect

from haven.cases import services
from haven.cases.models import Case
from haven.intake.models import Report
from haven.orgs.tests.factories import PASSWORD
from tests.browser.signin import enter_totp_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def pupil_reports(browser, live_server, tree, locale, description):
    """A pupil sends the public form from a phone; their page (kept open) and receipt."""
    context = browser.new_context(viewport=PHONE, locale=locale)
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/r/{tree.school_a.code}/")
    page.locator("#id_description").fill(description)
    page.locator("#id_place").select_option("corridor")
    page.locator("input[name=harms][value=verbal]").check()
    page.locator("input[name=affected][value=me]").check()
    page.locator("input[name=reporter_role][value=pupil]").check()
    page.locator("form.report-form button[type=submit]").click()
    receipt = page.locator("#receipt-code").inner_text().strip()
    return page, receipt


def follow_up(page, live_server, receipt):
    page.goto(f"{live_server.url}/follow-up/")
    page.locator("#id_receipt").fill(receipt)
    page.locator("main form button.primary").click()


def pupil_writes(page, live_server, receipt, body):
    follow_up(page, live_server, receipt)
    page.locator("#id_body").fill(body)
    page.locator("form:has(input[name=action][value=write]) button[type=submit]").click()
    expect(page.locator(".thread .from-reporter").last).to_contain_text(body)


def staff_login(browser, live_server, user, language):
    user.language = language
    user.save()
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/{language}/account/login/")
    page.locator("#id_username").fill(user.email)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("main form button.primary").click()
    enter_totp_code(page, user.email)
    page.wait_for_url(re.compile(rf"/{language}/$"))
    return page


def answer(page, report, body):
    thread = page.locator(f"#conversation-{report.pk}")
    thread.locator("textarea[name=body]").fill(body)
    thread.locator("button[value=reply]").click()
    expect(page.locator(f"#conversation-{report.pk} .from-staff").last).to_contain_text(body)


@pytest.mark.parametrize(
    ("language", "locale", "outcome"),
    [("ro", "ro-RO", "a luat măsuri"), ("nl", "nl-NL", "maatregelen genomen")],
)
def test_both_reporters_are_answered_after_the_case_opens_and_read_the_outcome(
    browser, live_server, tree, compiled_messages, language, locale, outcome
):
    first_page, first_receipt = pupil_reports(
        browser, live_server, tree, locale, "They laugh at me in the corridor every day."
    )
    first = Report.objects.get()
    coordinator = tree.users["coordinator"]
    page = staff_login(browser, live_server, coordinator, language)
    page.goto(f"{live_server.url}/{language}/inbox/{first.pk}/")
    page.locator("#case-title").fill("Corridor")
    page.locator(f"form[action$='/from-report/{first.pk}/'] button").click()
    page.wait_for_url(re.compile(rf"/{language}/cases/\d+/$"))
    case = Case.objects.get()
    case_url = page.url

    # Two messages each way, all after the case opened.
    answer(page, first, "We read it. Who else saw it?")
    pupil_writes(first_page, live_server, first_receipt, "My friend Ana saw it.")
    page.reload()
    expect(page.locator(f"#conversation-{first.pk} .badge")).to_be_visible()  # unread
    expect(page.locator(f"#conversation-{first.pk}")).to_contain_text("My friend Ana saw it.")
    answer(page, first, "Thank you. We talk to the class on Monday.")
    pupil_writes(first_page, live_server, first_receipt, "Thank you, it is calmer now.")
    page.reload()
    expect(page.locator(f"#conversation-{first.pk}")).to_contain_text("it is calmer now")
    expect(first_page.locator(".thread .from-staff")).to_have_count(2)

    # A second pupil reports the same thing; it is merged, and that pupil is answered too.
    second_page, second_receipt = pupil_reports(
        browser, live_server, tree, locale, "I saw them laugh at a girl in the corridor."
    )
    second = Report.objects.exclude(pk=first.pk).get()
    page.goto(f"{live_server.url}/{language}/inbox/{second.pk}/")
    page.locator("#merge-into").select_option(str(first.pk))
    page.locator("button[value=merge]").click()
    pupil_writes(second_page, live_server, second_receipt, "It happened again today.")
    page.goto(case_url)
    expect(page.locator(f"#conversation-{second.pk}")).to_contain_text("It happened again today.")
    answer(page, second, "Thank you for telling us; we are on it.")
    follow_up(second_page, live_server, second_receipt)
    expect(second_page.locator(".thread .from-staff")).to_contain_text("we are on it")
    # Each pupil reads only their own conversation.
    expect(second_page.locator(".thread")).not_to_contain_text("Ana")
    follow_up(first_page, live_server, first_receipt)
    expect(first_page.locator(".thread")).not_to_contain_text("happened again")

    # The case runs its course; the lead closes it with one of the procedure's messages.
    services.case_update(
        actor=coordinator,
        case=case,
        changes={"case_type": "child_child", "severity": "low", "determination": "bullying"},
    )
    for step in ("assess", "plan", "implement", "review"):
        services.case_transition(actor=coordinator, case=case, code=step)
    page.goto(case_url)
    page.locator("input[name=closing_message][value=dealt_with]").check()
    page.locator("#closing-note").fill("Thank you both for speaking up.")
    page.locator("button[name=step][value=close]").click()
    expect(page.locator("button[name=step]")).to_have_count(0)  # closed: no step is left
    assert Case.objects.get().closed_at is not None

    for pupil, receipt in ((first_page, first_receipt), (second_page, second_receipt)):
        follow_up(pupil, live_server, receipt)
        expect(pupil.locator("html")).to_have_attribute("lang", language)
        expect(pupil.locator("#outcome")).to_contain_text(outcome)
        expect(pupil.locator("#outcome")).to_contain_text("Thank you both for speaking up.")
