"""Every staff page as anonymous, wrong role, right role and a user of another school."""

import datetime as dt

import pytest
from django.utils import timezone

from haven.audit.models import AuditEvent
from haven.surveys.models import Campaign

LOGIN = "/en/account/login/"


def as_user(client, tree, name):
    if name != "anonymous":
        client.force_login(tree.users[name])
    return client


def url(name, *args):
    from django.urls import reverse

    return reverse(f"surveys:{name}", args=args)


@pytest.mark.parametrize(
    ("name", "status"),
    [
        ("anonymous", 302),
        ("staff", 404),
        ("inspector", 404),
        ("other_coordinator", 404),
        ("coordinator", 200),
        ("principal", 200),
    ],
)
def test_progress_page_is_for_the_schools_managers(client, tree, surveyed, name, status):
    page = as_user(client, tree, name).get(url("campaign_detail", surveyed.pk))
    assert page.status_code == status
    if status == 302:
        assert page.url.startswith(LOGIN)
    if status == 200:
        content = page.content.decode()
        assert "Response rate per class" in content
        assert "86%" in content  # 12 of 14 pupils in 5A


def test_progress_refreshes_as_a_partial_for_htmx(client, tree, surveyed):
    client.force_login(tree.users["coordinator"])
    page = client.get(url("campaign_detail", surveyed.pk), HTTP_HX_REQUEST="true")
    assert page.content.decode().lstrip().startswith('<table id="progress"')


@pytest.mark.parametrize(
    ("name", "status"),
    [
        ("anonymous", 302),
        ("staff", 404),
        ("psychologist", 404),
        ("other_coordinator", 404),
        ("coordinator", 200),
    ],
)
def test_create_page_access(client, tree, name, status):
    page = as_user(client, tree, name).get(url("campaign_create", tree.school_a.pk))
    assert page.status_code == status


def _window(days_from=0, days_to=7):
    now = timezone.localtime()
    fmt = "%Y-%m-%dT%H:%M"
    return (
        (now + dt.timedelta(days=days_from)).strftime(fmt),
        (now + dt.timedelta(days=days_to)).strftime(fmt),
    )


def test_coordinator_creates_a_campaign_for_all_classes(client, tree):
    client.force_login(tree.users["coordinator"])
    opens, closes = _window()
    page = client.post(
        url("campaign_create", tree.school_a.pk),
        {"title": "Spring", "opens_at": opens, "closes_at": closes, "all_classes": "on"},
    )
    campaign = Campaign.objects.get()
    assert page.status_code == 302 and page.url == url("campaign_detail", campaign.pk)
    assert [c.class_unit for c in campaign.classes.all()] == [tree.class_a]


def test_campaign_form_refuses_end_before_start_and_no_classes(client, tree):
    client.force_login(tree.users["coordinator"])
    opens, closes = _window(3, 1)
    page = client.post(
        url("campaign_create", tree.school_a.pk),
        {"title": "Spring", "opens_at": opens, "closes_at": closes},
    )
    assert page.status_code == 422
    content = page.content.decode()
    assert "The survey must close after it opens." in content
    assert "Choose at least one class." in content
    assert not Campaign.objects.exists()


@pytest.mark.parametrize(
    ("name", "status"),
    [("anonymous", 302), ("psychologist", 404), ("other_coordinator", 404), ("principal", 200)],
)
def test_code_slips_are_a_pdf_for_the_schools_managers(client, tree, surveyed, name, status):
    page = as_user(client, tree, name).post(
        url("campaign_codes", surveyed.pk, tree.class_a.pk), {"count": "3"}
    )
    assert page.status_code == status
    if status == 200:
        assert page["Content-Type"] == "application/pdf"
        assert page.content.startswith(b"%PDF")


def test_code_slips_mention_the_survey_address(tree, surveyed):
    from haven.surveys.slips import slips_html

    html = slips_html(campaign=surveyed, class_unit=tree.class_a, codes=["ABCD-EFGH-JKMN"])
    assert "/s/" in html and "ABCD-EFGH-JKMN" in html


def test_code_slips_are_refused_by_get(client, tree, surveyed):
    client.force_login(tree.users["coordinator"])
    assert client.get(url("campaign_codes", surveyed.pk, tree.class_a.pk)).status_code == 405


@pytest.mark.parametrize(
    ("name", "status"),
    [("anonymous", 302), ("staff", 404), ("other_coordinator", 404), ("coordinator", 302)],
)
def test_close_is_for_the_schools_managers(client, tree, surveyed, name, status):
    page = as_user(client, tree, name).post(url("campaign_close", surveyed.pk))
    assert page.status_code == status
    surveyed.refresh_from_db()
    closed = surveyed.status == Campaign.Status.CLOSED
    assert closed is (name == "coordinator")


@pytest.mark.parametrize(
    ("name", "status"),
    [
        ("anonymous", 302),
        ("staff", 404),
        ("inspector", 404),
        ("admin", 404),
        ("other_coordinator", 404),
        ("psychologist", 200),
        ("principal", 200),
        ("coordinator", 200),
    ],
)
@pytest.mark.parametrize("view", ["campaign_results", "campaign_results_pdf"])
def test_school_results_are_for_that_schools_staff(client, tree, surveyed, name, status, view):
    page = as_user(client, tree, name).get(url(view, surveyed.pk))
    assert page.status_code == status


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize(
    ("name", "status"),
    [("anonymous", 302), ("inspector", 404), ("other_coordinator", 404), ("principal", 200)],
)
def test_exports_are_for_that_schools_staff(client, tree, surveyed, name, status, fmt):
    page = as_user(client, tree, name).get(url("campaign_export", surveyed.pk, fmt))
    assert page.status_code == status


def test_school_results_show_intervals_and_are_audited(client, tree, surveyed):
    client.force_login(tree.users["principal"])
    page = client.get(url("campaign_results", surveyed.pk))
    content = page.content.decode()
    assert "17 pupils answered" in content
    # 8 of 17 bullied: 47% with its Wilson interval 26-69%.
    assert "47%" in content and "(26%–69%)" in content
    assert "<svg" in content
    assert AuditEvent.objects.filter(action="survey.results_view").exists()


@pytest.mark.parametrize(
    ("name", "status", "unit"),
    [
        ("anonymous", 302, "county"),
        ("principal", 404, "county"),
        ("coordinator", 404, "zone_a"),
        ("admin", 200, "county"),  # the administrators above read sums too
        ("principal", 404, "zone_a"),
        ("principal", 200, "school_a"),  # their own school's whole year
        ("coordinator", 404, "school_b"),
        ("inspector", 200, "school_b"),
        ("inspector", 404, "country"),  # above the inspector's own unit
        ("inspector", 200, "county"),
        ("inspector", 200, "zone_a"),
    ],
)
def test_level_above_is_for_inspectors_of_that_level(client, tree, surveyed, name, status, unit):
    page = as_user(client, tree, name).get(url("unit_results", getattr(tree, unit).pk))
    assert page.status_code == status


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize(
    ("name", "status"), [("anonymous", 302), ("principal", 404), ("inspector", 200)]
)
def test_domain_export_is_for_inspectors(client, tree, surveyed, name, status, fmt):
    page = as_user(client, tree, name).get(url("unit_export", tree.county.pk, fmt))
    assert page.status_code == status


def test_county_page_lists_each_zone_with_the_sum_of_its_schools(client, tree, surveyed):
    client.force_login(tree.users["inspector"])
    page = client.get(url("unit_results", tree.county.pk))
    content = page.content.decode()
    assert "28 pupils answered" in content  # 17 + 11
    children = dict((u.code, row) for u, row in page.context["children"])
    assert children["ZA"].size.n == 17 and children["ZB"].size.n == 11


def test_campaign_list_shows_only_own_schools(client, tree, surveyed):
    client.force_login(tree.users["other_coordinator"])
    content = client.get(url("campaign_list")).content.decode()
    assert "B survey" in content and "Autumn survey" not in content
    client.force_login(tree.users["nobody"])
    content = client.get(url("campaign_list")).content.decode()
    assert "B survey" not in content and "Autumn survey" not in content


def test_school_adds_its_own_questions_shown_after_the_survey(client, tree):
    from haven.surveys import services
    from haven.surveys.tests import helpers

    client.force_login(tree.users["coordinator"])
    opens, closes = _window()
    page = client.post(
        url("campaign_create", tree.school_a.pk),
        {
            "title": "With own questions",
            "opens_at": opens,
            "closes_at": closes,
            "all_classes": "on",
            "own_questions": "Is the lunch break calm? | yes | no\nWhat would you change?",
        },
    )
    assert page.status_code == 302
    campaign = Campaign.objects.get()
    last = services.pages(campaign)[-1]
    assert [i.code for i in last.items] == ["school_1", "school_2"]
    assert last.items[0].closed and not last.items[1].closed
    [text] = services.codes_generate(
        actor=tree.users["coordinator"], campaign=campaign, class_unit=tree.class_a, count=1
    )
    code = services.code_open(code_text=text)
    helpers.answer(code, helpers.full_answers())
    services.answers_save(
        code=code,
        number=len(services.pages(campaign)) - 1,
        posted={"school_1": "0", "school_2": "More benches"},
    )
    response = services.response_submit(code=code)
    flags = response.measures["flags"]
    assert flags["school.school_1.0"] is True and flags["school.school_1.1"] is False
    assert "More benches" not in str(response.measures)  # open answers are never scored


def test_own_question_with_a_single_choice_is_refused(client, tree):
    client.force_login(tree.users["coordinator"])
    opens, closes = _window()
    page = client.post(
        url("campaign_create", tree.school_a.pk),
        {
            "title": "x",
            "opens_at": opens,
            "closes_at": closes,
            "all_classes": "on",
            "own_questions": "Calm? | yes",
        },
    )
    assert page.status_code == 422
    assert "two choices or more" in page.content.decode()


def test_an_unknown_export_format_is_not_found(client, tree, surveyed):
    client.force_login(tree.users["principal"])
    assert client.get(f"/en/surveys/{surveyed.pk}/export.pdf").status_code == 404
    assert client.get(f"/en/surveys/{surveyed.pk}/export.csv").status_code == 200
