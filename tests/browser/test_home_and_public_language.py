"""A Hungarian phone opens a Romanian school's form in Romanian, and can switch; a
coordinator's home says what to do now, in English and in Romanian."""

import re

import pytest
from playwright.sync_api import expect

from haven.intake.tests.helpers import submit
from tests.browser.test_journeys import PHONE, log_in, switch_language

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_phone_in_a_language_haven_lacks_gets_the_schools_and_can_switch(
    browser, live_server, tree, compiled_messages
):
    context = browser.new_context(viewport=PHONE, locale="hu-HU")
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto(f"{live_server.url}/r/{tree.school_a.code}/")
    expect(page.locator("html")).to_have_attribute("lang", "ro")
    expect(page.get_by_role("heading", name="Spune-ne ce s-a întâmplat")).to_be_visible()
    switch_language(page, "English")
    page.wait_for_url(re.compile(rf"/r/{tree.school_a.code}/$"))
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", name="Tell us what happened")).to_be_visible()
    context.close()


def test_coordinator_home_lists_new_reports_in_two_languages(
    page, live_server, tree, compiled_messages
):
    report, _receipt = submit(tree.school_a)
    log_in(page, live_server, tree.users["coordinator"].email)
    todo = page.locator("section.todo")
    expect(todo.get_by_role("heading", name="What to do now")).to_be_visible()
    expect(todo.get_by_role("heading", name=re.compile("New reports"))).to_be_visible()
    switch_language(page, "Română")
    page.wait_for_url(re.compile(r"/ro/$"))
    expect(todo.get_by_role("heading", name="Ce ai de făcut acum")).to_be_visible()
    todo.get_by_role("link", name=f"Sesizarea nr. {report.pk}").click()
    page.wait_for_url(re.compile(rf"/ro/inbox/{report.pk}/$"))


def test_the_inbox_filters_fit_a_phone_in_romanian(browser, live_server, tree, compiled_messages):
    """The kinds of harm have long Romanian names: the filter narrows, the page never scrolls
    sideways (the table scrolls inside itself)."""
    context = browser.new_context(viewport=PHONE)
    context.set_default_timeout(15_000)
    page = context.new_page()
    log_in(page, live_server, tree.users["coordinator"].email)
    switch_language(page, "Română")
    page.goto(f"{live_server.url}/ro/inbox/")
    expect(page.locator("select[name=harm]")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    context.close()
