"""The pupil's pages at /s/: code in POST bodies only, pages, languages, errors, submit."""

import datetime as dt

import pytest
import time_machine

from haven.surveys import services
from haven.surveys.models import AnswerCode, Response
from haven.surveys.tests import helpers


@pytest.fixture
def code_text(tree):
    helpers.pupils(tree.class_a, 3)
    campaign = helpers.campaign(tree.users["coordinator"], tree.school_a)
    return services.codes_generate(
        actor=tree.users["coordinator"], campaign=campaign, class_unit=tree.class_a, count=1
    )[0]


def post(client, code, **data):
    return client.post("/s/", {"code": code, "lang": "en", **data})


def test_code_page_needs_no_login_and_no_language_prefix(client, db):
    page = client.get("/s/")
    assert page.status_code == 200
    assert b'name="code"' in page.content


def test_unknown_code_shows_a_translated_error(client, code_text):
    page = client.post("/s/", {"code": "ZZZZ-ZZZZ-ZZZZ", "lang": "en", "action": "start"})
    assert page.status_code == 400
    assert "This code was not found" in page.content.decode()
    assert b'name="code"' in page.content


def test_start_shows_the_first_page_in_the_chosen_language(client, code_text):
    page = post(client, code_text, action="start", switch_lang="nl")
    assert page.status_code == 200
    assert "Over jou" in page.content.decode()
    assert "In welke groep of klas zit je?" in page.content.decode()
    assert code_text.encode() in page.content  # carried in the form, not the address


def test_next_saves_and_resume_returns_to_the_same_page(client, code_text):
    post(client, code_text, action="start")
    page = post(client, code_text, action="next", page="0", q_grade_band="1")
    assert "I feel safe at school." in page.content.decode()
    post(client, code_text, action="pause", page="1", q_safe_school="2")
    resumed = post(client, code_text, action="start")
    content = resumed.content.decode()
    assert "I feel safe at school." in content
    assert 'value="2" checked' in content
    assert AnswerCode.objects.get().draft == {"grade_band": 1, "safe_school": 2}


def test_tampered_value_is_refused_with_a_message_and_nothing_saved(client, code_text):
    page = post(client, code_text, action="next", page="1", q_safe_school="7")
    assert page.status_code == 422
    assert "not one of the choices" in page.content.decode()
    assert AnswerCode.objects.get().draft == {}


def test_follow_up_page_appears_only_after_a_form_at_two_or_more(client, code_text):
    forms = {f"q_{i.code}": "0" for i in services.pages(AnswerCode.objects.get().campaign)[3].items}
    page = post(client, code_text, action="next", page="3", **forms)
    assert "A little more about it" not in page.content.decode()  # skipped
    forms["q_victim_verbal"] = "2"
    page = post(client, code_text, action="next", page="3", **forms)
    content = page.content.decode()
    assert "A little more about it" in content
    assert "Was it hard for you to stop them" in content


def test_submit_with_missing_answers_lists_them_and_keeps_answers(client, code_text):
    page = post(client, code_text, action="submit", page="6", q_wb_like="2")
    assert page.status_code == 422
    content = page.content.decode()
    assert "Some questions still need an answer" in content
    assert "I feel safe at school." in content  # listed as missing
    assert Response.objects.count() == 0
    assert AnswerCode.objects.get().draft == {"wb_like": 2}


def test_full_survey_submits_once(client, code_text):
    code = services.code_open(code_text=code_text)
    helpers.answer(code, helpers.full_answers())
    done = post(client, code_text, action="submit", page="6")
    assert done.status_code == 200
    assert "Your answers have been sent" in done.content.decode()
    assert Response.objects.count() == 1
    again = post(client, code_text, action="start")
    assert again.status_code == 409
    assert "already been used" in again.content.decode()


def test_closed_campaign_refuses_the_code(client, code_text):
    campaign = AnswerCode.objects.get().campaign
    with time_machine.travel(campaign.closes_at + dt.timedelta(hours=1)):
        page = post(client, code_text, action="start")
    assert page.status_code == 403
    assert "This survey is closed" in page.content.decode()


def test_language_buttons_on_the_code_page_do_not_count_as_failures(client, db, settings):
    settings.HAVEN_SURVEY_CODE_FAILURES = 1
    page = client.post("/s/", {"switch_lang": "zh-hans"})
    assert '<html lang="zh-hans"' in page.content.decode()
    page = client.post("/s/", {"code": "ZZZZ-ZZZZ-ZZZZ"})
    assert page.status_code == 400


def test_a_follow_up_opened_on_the_same_page_is_asked_before_moving_on(client, code_text):
    from haven.surveys import instruments

    post(client, code_text, action="start")
    AnswerCode.objects.update(draft={"victim_global": 2})
    instrument = instruments.get()
    number = next(
        i
        for i, page in enumerate(services.pages(AnswerCode.objects.get().campaign))
        if any(item.code == "told_adult" for item in page.items)
    )
    follow_up = instrument.item("it_stopped")
    assert any(
        item.code == "it_stopped"
        for item in services.pages(AnswerCode.objects.get().campaign)[number].items
    )
    told = instrument.item("told_adult")
    page = post(
        client, code_text, action="next", page=str(number), q_told_adult=str(max(told.values))
    )
    assert follow_up.texts["en"] in page.content.decode()
    # Answered, "next" moves on.
    later = post(
        client,
        code_text,
        action="next",
        page=str(number),
        q_it_stopped=str(max(follow_up.values)),
    )
    assert follow_up.texts["en"] not in later.content.decode()
