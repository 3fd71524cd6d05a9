"""Dashboards: an inspector in Romanian and the ministry in Vietnamese open their dashboards
and drill down county -> zone -> school, on a desktop and on a 390 px phone; no chart label
reaches outside its SVG box."""

import random
import re

import pytest
from playwright.sync_api import expect

from haven.insights import refresh
from haven.insights.tests.test_dashboard import _reports
from haven.orgs.models import Role
from haven.orgs.tests.factories import PASSWORD, member
from tests.browser.signin import enter_totp_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}

# Every <text> of every chart inside its <svg> on screen, and the drawing inside its viewBox.
OVERFLOWS = """() => {
  const bad = [];
  for (const svg of document.querySelectorAll('svg.chart')) {
    const box = svg.getBoundingClientRect();
    const view = svg.viewBox.baseVal;
    const all = svg.getBBox();
    if (all.x < -0.5 || all.y < -0.5 || all.x + all.width > view.width + 0.5
        || all.y + all.height > view.height + 0.5) {
      bad.push(['bbox', all.x, all.y, all.width, all.height, view.width, view.height]);
    }
    for (const text of svg.querySelectorAll('text')) {
      const r = text.getBoundingClientRect();
      if (r.left < box.left - 0.5 || r.right > box.right + 0.5
          || r.top < box.top - 0.5 || r.bottom > box.bottom + 0.5) {
        bad.push([text.textContent, r.left, r.right, box.left, box.right]);
      }
    }
  }
  return bad;
}"""


def _history(tree):
    rng = random.Random(7)
    _reports(tree.school_a, 14, rng, cases=5)
    _reports(tree.school_b, 12, rng, cases=3)
    refresh.refresh(full=True)


def _login(browser, live_server, user, language, viewport):
    user.language = language
    user.save()
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/en/account/login/")
    page.locator("#id_username").fill(user.email)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("main form button.primary").click()
    enter_totp_code(page, user.email)
    page.wait_for_url(re.compile(rf"/{language}/$"))
    return context, page


def _check_page(page, viewport):
    expect(page.locator("svg.chart").first).to_be_visible()
    assert page.evaluate(OVERFLOWS) == []
    if viewport == PHONE:
        # No sideways scrolling: a wide table scrolls inside itself.
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def _drill(page, tree, menu, viewport):
    page.get_by_role("navigation", name=re.compile(".")).get_by_role(
        "link", name=menu, exact=True
    ).first.click()
    expect(page.locator("h1")).to_have_text(tree.county.name)
    _check_page(page, viewport)
    page.locator("table.children tbody").get_by_role("link", name=tree.zone_b.name).click()
    expect(page.locator("h1")).to_have_text(tree.zone_b.name)
    _check_page(page, viewport)
    page.locator("table.children tbody").get_by_role("link", name=tree.school_b.name).click()
    expect(page.locator("h1")).to_have_text(tree.school_b.name)
    _check_page(page, viewport)
    # Back up through the breadcrumbs.
    page.locator(".breadcrumbs").get_by_role("link", name=tree.county.name).click()
    expect(page.locator("h1")).to_have_text(tree.county.name)


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_inspector_in_romanian_drills_down_from_the_county(browser, live_server, tree, viewport):
    _history(tree)
    context, page = _login(browser, live_server, tree.users["inspector"], "ro", viewport)
    _drill(page, tree, "Tablouri de bord", viewport)
    expect(page.locator("html")).to_have_attribute("lang", "ro")
    # A definition opens on tap.
    page.locator("details.definition summary").first.click()
    expect(page.locator("details.definition p").first).to_be_visible()
    # The month tab, then the children sorted by reports, with the total row still last.
    page.locator(".period-picker .tabs a").first.click()
    expect(page.locator(".period-picker .tabs a[aria-current]")).to_have_text("Lună")
    page.locator("table.children thead th a").nth(1).click()
    sorted_by = page.locator("table.children thead th").nth(1)
    expect(sorted_by).to_have_attribute("aria-sort", "ascending")
    expect(page.locator("table.children thead th[aria-sort]")).to_have_count(1)
    expect(page.locator("table.children tfoot tr.total")).to_have_count(1)
    context.close()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_ministry_in_vietnamese_drills_down_from_the_country(browser, live_server, tree, viewport):
    _history(tree)
    ministry = member(Role.ADMIN, tree.country, email="ministry@example.org")
    context, page = _login(browser, live_server, ministry, "vi", viewport)
    page.get_by_role("link", name="Bảng số liệu", exact=True).first.click()
    expect(page.locator("h1")).to_have_text(tree.country.name)
    _check_page(page, viewport)
    # Vietnamese month names ("Tháng 12") are too wide for a column: they are turned.
    assert page.locator("svg.chart text[transform^='rotate']").count() > 0
    page.locator("table.children tbody").get_by_role("link", name=tree.county.name).click()
    expect(page.locator("h1")).to_have_text(tree.county.name)
    _check_page(page, viewport)
    page.locator("table.children tbody").get_by_role("link", name=tree.zone_a.name).click()
    expect(page.locator("h1")).to_have_text(tree.zone_a.name)
    page.locator("table.children tbody").get_by_role("link", name=tree.school_a.name).click()
    expect(page.locator("h1")).to_have_text(tree.school_a.name)
    _check_page(page, viewport)
    context.close()
