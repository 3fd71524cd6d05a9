"""Pupils answer the survey on a phone with a one-time code, in Dutch and in Chinese; a
principal reads the school's results with intervals; an inspector reads the county roll-up."""

import re

import pytest
from playwright.sync_api import expect

from haven.orgs.tests.factories import PASSWORD
from haven.surveys import services
from haven.surveys.models import AnswerCode, Response
from haven.surveys.tests import helpers
from tests.browser.signin import enter_totp_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def _code(tree):
    helpers.pupils(tree.class_a, 2)
    campaign = helpers.campaign(tree.users["coordinator"], tree.school_a)
    [text] = services.codes_generate(
        actor=tree.users["coordinator"], campaign=campaign, class_unit=tree.class_a, count=1
    )
    return text


def _answer_every_page(page, choose=None):
    """Tick an answer to every question on each page, then send; ``choose`` maps question
    codes to the value to pick (default: the first answer, "0" on the instrument's scales)."""
    choose = choose or {}
    for _ in range(12):
        for fieldset in page.locator("fieldset.survey-question").all():
            code = fieldset.get_attribute("id").removeprefix("q-")
            if code in choose:
                fieldset.locator(f"input[type=radio][value='{choose[code]}']").check()
            else:
                fieldset.locator("input[type=radio]").first.check()
        send = page.locator("button[name=action][value=submit]")
        if send.count():
            send.click()
            return
        page.locator("button[name=action][value=next]").click()
    raise AssertionError("the survey never reached its last page")


def _phone(browser, locale):
    context = browser.new_context(viewport=PHONE, locale=locale)
    page = context.new_page()
    page.set_default_timeout(15_000)
    return context, page


def test_pupil_answers_in_dutch_on_a_phone_pauses_and_resumes(browser, live_server, tree):
    text = _code(tree)
    context, page = _phone(browser, "nl-NL")
    page.goto(f"{live_server.url}/s/")
    expect(page.locator("html")).to_have_attribute("lang", "nl")
    page.locator("#id_code").fill(text.lower())
    page.locator("main form button.primary").click()
    expect(page.locator("h1")).to_have_text("Over jou")
    page.locator("input[name=q_grade_band][value='1']").check()
    page.locator("button[name=action][value=next]").click()
    expect(page.locator("h1")).to_have_text("Je veilig voelen")
    page.locator("input[name=q_safe_school][value='3']").check()
    page.locator("button[name=action][value=pause]").click()
    expect(page.locator("h1")).to_be_visible()
    assert text not in page.url

    # Later, the same code: back on the page where the pupil stopped, answer kept.
    page.goto(f"{live_server.url}/s/")
    page.locator("#id_code").fill(text)
    page.locator("main form button.primary").click()
    expect(page.locator("h1")).to_have_text("Je veilig voelen")
    expect(page.locator("input[name=q_safe_school][value='3']")).to_be_checked()
    # No sideways scrolling on a phone.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    _answer_every_page(page, {"safe_school": "3", "victim_verbal": "2", "grade_band": "1"})
    expect(page.locator("main [role=status]")).to_be_visible()
    response = Response.objects.get()
    assert response.answers["victim_verbal"] == 2
    assert response.answers["power_imbalance"] == 0  # the follow-up was asked, in Dutch
    assert AnswerCode.objects.get().state == AnswerCode.State.SUBMITTED
    context.close()


def test_pupil_switches_to_chinese_and_answers(browser, live_server, tree):
    text = _code(tree)
    context, page = _phone(browser, "en-GB")
    page.goto(f"{live_server.url}/s/")
    page.locator("#id_code").fill(text)
    page.locator("main form button.primary").click()
    page.locator("button[name=switch_lang][value='zh-hans']").click()
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.locator("h1")).to_have_text("关于你")
    expect(page.locator("fieldset legend").first).to_contain_text("你在几年级？")
    _answer_every_page(page)
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.locator("main [role=status]")).to_be_visible()
    assert Response.objects.count() == 1
    context.close()


def _login(browser, live_server, user):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/en/account/login/")
    page.locator("#id_username").fill(user.email)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("form button.primary").click()
    enter_totp_code(page, user.email)
    page.wait_for_url(re.compile(r"/en/$"))
    return context, page


def _fourteen_answers(tree):
    helpers.pupils(tree.class_a, 14)
    campaign = helpers.campaign(tree.users["coordinator"], tree.school_a)
    helpers.respond(
        campaign,
        tree.class_a,
        tree.users["coordinator"],
        [helpers.full_answers(victim=3, forms=2)] * 5 + [helpers.full_answers()] * 9,
    )
    return campaign


def test_principal_reads_results_with_intervals(browser, live_server, tree):
    campaign = _fourteen_answers(tree)
    context, page = _login(browser, live_server, tree.users["principal"])
    page.locator("nav a[href='/en/surveys/']").click()
    page.locator(f"a[href='/en/surveys/{campaign.pk}/results/']").click()
    expect(page.locator("main")).to_contain_text("14 pupils answered")
    victim = page.locator("table.results tr", has_text="Bullied 2-3 times a month or more").first
    expect(victim).to_contain_text("36%")
    expect(victim.locator(".interval")).to_have_text(re.compile(r"\(\d+%–\d+%\)"))
    expect(page.locator(".chart svg")).to_be_visible()
    context.close()


def test_inspector_sees_the_county_roll_up(browser, live_server, tree):
    _fourteen_answers(tree)
    context, page = _login(browser, live_server, tree.users["inspector"])
    page.locator("nav a[href='/en/surveys/']").click()
    page.locator(f"a[href='/en/surveys/units/{tree.county.pk}/']").click()
    expect(page.locator("h1")).to_contain_text(tree.county.name)
    expect(page.locator("main")).to_contain_text("14 pupils answered")
    zone = page.locator("#children-heading + table tr", has_text=tree.zone_a.name)
    expect(zone).to_contain_text("14")
    zone.locator("a").click()
    expect(page.locator("h1")).to_contain_text(tree.zone_a.name)
    context.close()
