"""Main journeys in a real browser, in several languages, one on a phone-sized screen."""

import re

import pytest
from playwright.sync_api import expect

from haven.orgs.models import OrgUnit
from haven.orgs.tests.factories import PASSWORD
from tests.browser.signin import enter_totp_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def log_in(page, live_server, email):
    page.goto(f"{live_server.url}/en/account/login/")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    enter_totp_code(page, email)
    page.wait_for_url(re.compile(r"/en/$"))


def switch_language(page, name):
    page.get_by_label(re.compile("Language|Limbă|语言")).select_option(label=name)
    page.locator(".language-form button[type=submit]").click()


@pytest.mark.parametrize("page", [PHONE], indirect=True)
def test_coordinator_switches_to_romanian_and_chinese_on_a_phone(
    page, live_server, tree, compiled_messages
):
    log_in(page, live_server, tree.users["coordinator"].email)
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Organisation")).to_be_visible()

    switch_language(page, "Română")
    page.wait_for_url(re.compile(r"/ro/$"))
    nav = page.get_by_role("navigation", name="Principal")
    for label in ("Acasă", "Organizație", "Cont"):
        expect(nav.get_by_role("link", name=label)).to_be_visible()
    expect(page.get_by_role("button", name="Deconectare")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "ro")

    switch_language(page, "简体中文")
    page.wait_for_url(re.compile(r"/zh-hans/$"))
    expect(page.get_by_role("link", name="组织机构")).to_be_visible()
    expect(page.get_by_role("heading", name="您的角色")).to_be_visible()

    # The choice is remembered: the organisation page opens in Chinese too.
    page.get_by_role("link", name="组织机构").click()
    page.wait_for_url(re.compile(r"/zh-hans/org/$"))
    expect(page.get_by_role("link", name="Unit SCH-A")).to_be_visible()


def test_admin_adds_a_school_under_a_district(page, live_server, tree, compiled_messages):
    log_in(page, live_server, tree.users["admin"].email)
    page.get_by_role("link", name="Administration").click()
    page.locator("tr.model-orgunit a.addlink").click()

    # The parent is chosen with the admin's autocomplete, which searches only the admin's units.
    page.locator(".field-parent .select2-selection").click()
    page.locator(".select2-search__field").fill("Unit ZB")
    page.locator(".select2-results__option", has_text="Unit ZB").click()
    page.get_by_label("Kind").select_option("school")
    page.get_by_label("Code").fill("SCH-NEW")
    page.get_by_label("Name").fill("Școala Gimnazială Nouă")
    page.get_by_role("button", name="Save", exact=True).click()

    expect(page.locator(".messagelist .success")).to_be_visible()
    school = OrgUnit.objects.get(code="SCH-NEW")
    assert school.parent == tree.zone_b
    assert school.path.startswith(tree.zone_b.path)

    # It shows up on the zone's page for the inspector of the county.
    page.goto(f"{live_server.url}/en/org/{tree.zone_b.pk}/")
    expect(page.get_by_role("link", name="Școala Gimnazială Nouă")).to_be_visible()


def test_unit_tree_expands_in_place_with_htmx(page, live_server, tree, compiled_messages):
    log_in(page, live_server, tree.users["inspector"].email)
    page.goto(f"{live_server.url}/en/org/")
    page.get_by_role("button", name="Show the units below Unit CJ").click()
    page.get_by_role("button", name="Show the units below Unit ZA").click()
    expect(page.get_by_role("link", name="Unit SCH-A")).to_be_visible()
    # Without a page load: still the organisation page.
    assert page.url.endswith("/en/org/")


def test_admin_starts_a_new_unit_from_the_parent_page(page, live_server, tree, compiled_messages):
    log_in(page, live_server, tree.users["admin"].email)
    page.goto(f"{live_server.url}/en/org/{tree.zone_a.pk}/")
    page.get_by_role("link", name="Add a unit here").click()
    page.get_by_label("Kind").select_option("school")
    page.get_by_label("Code").fill("SCH-C")
    page.get_by_label("Name").fill("Third school")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist .success")).to_be_visible()
    assert OrgUnit.objects.get(code="SCH-C").parent == tree.zone_a
