"""Care registers in a browser: in Russian a coordinator registers a pupil of concern (the
class teacher becomes the responsible adult), is refused a review date in the past, and the
class teacher adds a follow-up; on a phone in Chinese a class teacher records "nothing found"
in a screening round; the county inspector sees counts, never the pupil's name."""

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from haven.care import services
from haven.care.models import ConcernEntry, ConcernFollowUp
from haven.care.tests.helpers import build_world
from tests.browser.signin import enter_totp_code
from tests.browser.test_cases import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_russian_register_follow_up_and_inspector_counts(
    browser, live_server, tree, compiled_messages
):
    world = build_world(tree)
    page = login(browser, live_server, world.users["coordinator"], "ru")
    page.goto(f"{live_server.url}/ru/care/concerns/new/")
    form = page.locator("#concern-form")
    form.locator("select[name=pupil]").select_option(str(world.pupil.pk))
    form.get_by_label("Резкое снижение успеваемости").check()
    form.get_by_label("Трудности в семье").check()
    form.locator("input[name=review_on]").fill((world.today - dt.timedelta(days=1)).isoformat())
    form.locator("button.primary").click()
    expect(page.locator("#concern-form .error")).to_be_visible()  # a past review date
    assert not ConcernEntry.objects.exists()

    form = page.locator("#concern-form")
    form.locator("select[name=pupil]").select_option(str(world.pupil.pk))
    form.get_by_label("Резкое снижение успеваемости").check()
    form.locator("input[name=review_on]").fill((world.today + dt.timedelta(days=20)).isoformat())
    form.locator("button.primary").click()
    page.wait_for_url(re.compile(r"/ru/care/concerns/\d+/$"))
    entry = ConcernEntry.objects.get()
    assert entry.responsible == world.class_teacher
    expect(page.locator("#concern-reasons")).to_contain_text("Резкое снижение успеваемости")

    teacher = login(browser, live_server, world.class_teacher, "ru")
    teacher.goto(f"{live_server.url}/ru/care/concerns/")
    teacher.locator(f"a[href='/ru/care/concerns/{entry.pk}/']").click()
    teacher.locator("#follow-up-form textarea[name=note]").fill("Беседа с родителями.")
    teacher.locator("#follow-up-form button").click()
    expect(teacher.locator("#follow-ups")).to_contain_text("Беседа с родителями.")
    assert ConcernFollowUp.objects.get().by == world.class_teacher

    inspector = login(browser, live_server, world.users["inspector"], "ru")
    inspector.goto(f"{live_server.url}/ru/care/concerns/")
    counts = inspector.locator("#concern-counts")
    # One pupil of concern: above the school a count under 10 is hidden, never shown as "1".
    row = counts.locator("tr", has_text=tree.school_a.name)
    expect(row.locator("td").nth(1)).to_have_attribute("data-count", "hidden")
    expect(inspector.locator("main")).not_to_contain_text("Popescu")
    assert inspector.goto(f"{live_server.url}/ru/care/concerns/{entry.pk}/").status == 404


@pytest.mark.parametrize("page", [{"width": 390, "height": 844}], indirect=True)
def test_chinese_phone_screening_nothing_found(browser, live_server, tree, compiled_messages, page):
    world = build_world(tree)
    round_ = services.screening_round_create(
        actor=world.users["coordinator"],
        school=tree.school_a,
        name="秋季矛盾纠纷排查",
        starts_on=world.today,
        ends_on=world.today + dt.timedelta(days=7),
    )
    teacher = world.class_teacher
    teacher.language = "zh-hans"
    teacher.save()
    page.goto(f"{live_server.url}/en/account/login/")
    page.locator("#id_username").fill(teacher.email)
    from haven.orgs.tests.factories import PASSWORD

    page.locator("#id_password").fill(PASSWORD)
    page.locator("main form button.primary").click()
    enter_totp_code(page, teacher.email)
    page.wait_for_url(re.compile(r"/zh-hans/$"))
    page.goto(f"{live_server.url}/zh-hans/care/rounds/")
    page.locator(f"a[href='/zh-hans/care/rounds/{round_.pk}/']").click()
    sections = page.locator("section.screening-class")
    expect(sections).to_have_count(1)  # only the teacher's own class
    page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
    sections.locator("form", has=page.locator("input[value=none_found]")).locator("button").click()
    expect(page.locator("#round-progress")).to_contain_text("1")
    answer = round_.answers.get(class_unit=tree.class_a)
    assert answer.none_found and answer.answered_by == teacher


def test_romanian_phone_refused_finding_keeps_what_was_typed(
    browser, live_server, tree, compiled_messages
):
    """A class teacher types a finding with a due date before the round: the page comes back
    with the text kept and the date marked; corrected, the finding is saved."""
    world = build_world(tree)
    round_ = services.screening_round_create(
        actor=world.users["coordinator"],
        school=tree.school_a,
        name="Evaluare de toamnă",
        starts_on=world.today,
        ends_on=world.today + dt.timedelta(days=7),
    )
    teacher = login(browser, live_server, world.class_teacher, "ro")
    teacher.set_viewport_size({"width": 390, "height": 844})
    teacher.goto(f"{live_server.url}/ro/care/rounds/{round_.pk}/")
    section = teacher.locator("section.screening-class")
    section.locator("summary").first.click()
    form = section.locator("form", has=teacher.locator("input[value=item]"))
    form.locator("textarea[name=description]").fill("Două grupuri se ceartă la stația de autobuz.")
    form.locator("select[name=responsible]").select_option(str(world.class_teacher.pk))
    form.locator("textarea[name=measures]").fill("Oră de dirigenție.")
    form.locator("input[name=due_on]").fill((world.today - dt.timedelta(days=2)).isoformat())
    form.locator("button.primary").click()

    form = teacher.locator("section.screening-class form", has=teacher.locator("input[value=item]"))
    expect(form).to_be_visible()  # the details stay open
    expect(form.locator("textarea[name=description]")).to_have_value(
        "Două grupuri se ceartă la stația de autobuz."
    )
    expect(form.locator(".has-error")).to_have_count(1)
    expect(form.locator(".error-summary")).to_be_visible()
    assert not round_.answers.filter(items__isnull=False).exists()

    form.locator("input[name=due_on]").fill((world.today + dt.timedelta(days=3)).isoformat())
    form.locator("button.primary").click()
    expect(teacher.locator("ul.findings")).to_contain_text("Două grupuri se ceartă")
