"""The pupil's pages at /s/: code in POST bodies only, pages, languages, errors, submit."""

import datetime as dt
import re

import pytest
import time_machine

from haven.surveys import services
from haven.surveys.models import AnswerCode, Response
from haven.surveys.tests import helpers


def set_drafts(draft):
    """Every code's saved answers (sealed like the service seals them)."""
    for code in AnswerCode.objects.select_related("campaign"):
        code.draft = draft
        code.save(update_fields=["draft"])


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
    set_drafts({"victim_global": 2})
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


@pytest.mark.parametrize(
    ("lang", "hint"), [("en", "skip this"), ("ro", "sări peste"), ("nl", "overslaan")]
)
def test_the_optional_gender_question_says_it_may_be_skipped_once(client, code_text, lang, hint):
    page = post(client, code_text, action="start", switch_lang=lang)
    assert page.status_code == 200
    content = page.content.decode()
    legend = content[content.index('id="q-gender"') :]
    legend = legend[: legend.index("</legend>")]
    assert legend.count(hint) == 1


PAGE_OF = re.compile(r"Page (\d+) of (\d+)|More questions after page (\d+) of (\d+)")


def _progress(content: str) -> tuple[int, int, bool]:
    found = PAGE_OF.search(content)
    assert found is not None
    if found.group(1):
        return int(found.group(1)), int(found.group(2)), False
    return int(found.group(3)), int(found.group(4)), True


def test_page_count_stays_the_same_and_never_goes_back_when_follow_ups_appear(client, code_text):
    """A pupil bullied in several ways opens the follow-up page: "Page x of y" keeps its
    total, the follow-up page is announced as extra, and the position never goes back."""
    campaign = AnswerCode.objects.get().campaign
    answers = helpers.full_answers(victim=3, forms=2)
    answers["it_stopped"] = 0
    seen = [_progress(post(client, code_text, action="start").content.decode())]
    number = 0
    for _ in range(12):
        page = services.pages(campaign)[number]
        posted = {f"q_{i.code}": str(answers[i.code]) for i in page.items if i.code in answers}
        content = post(client, code_text, action="next", page=str(number), **posted).content
        content = content.decode()
        if "Send my answers" in content and number == len(services.pages(campaign)) - 1:
            break
        seen.append(_progress(content))
        number = int(re.search(r'name="page" value="(\d+)"', content).group(1))
    totals = {total for _position, total, _extra in seen}
    assert totals == {len(services.pages(campaign)) - 1}  # the follow-up page is not counted
    assert any(extra for _p, _t, extra in seen)
    positions = [position for position, _t, _e in seen]
    assert positions == sorted(positions)
    assert positions[-1] == max(totals)


def test_progress_bar_never_goes_back_on_a_follow_up_page(client, code_text):
    campaign = AnswerCode.objects.get().campaign
    number = next(n for n, page in enumerate(services.pages(campaign)) if page.code == "follow_up")
    set_drafts({"victim_global": 3, "victim_verbal": 3})
    before = post(client, code_text, action="goto", goto=str(number - 1), page=str(number - 1))
    on_follow_up = post(client, code_text, action="goto", goto=str(number), page=str(number - 1))
    bar = re.compile(r'<progress max="(\d+)" value="(\d+)"')
    max_before, value_before = bar.search(before.content.decode()).groups()
    max_after, value_after = bar.search(on_follow_up.content.decode()).groups()
    assert max_before == max_after
    assert value_after == value_before
    assert "More questions after page" in on_follow_up.content.decode()


def test_a_page_sent_costs_three_queries_and_the_code_lookup_joins_only_the_campaign(
    client, code_text, django_assert_max_num_queries
):
    """The pupil's hot path (about 10 surveys a second per process before): the throttle
    check, one lookup joining the campaign only (no school, jurisdiction or class, no ORDER
    BY), and one UPDATE of the draft (a single statement needs no BEGIN/COMMIT around it)."""
    post(client, code_text, action="start")
    with django_assert_max_num_queries(3) as captured:
        page = post(client, code_text, action="next", page="0", q_grade_band="1")
    assert page.status_code == 200
    [lookup] = [q["sql"] for q in captured.captured_queries if "code_hash" in q["sql"]]
    assert lookup.count("JOIN") == 1 and '"surveys_campaign"' in lookup
    assert "ORDER BY" not in lookup


def test_pages_with_school_questions_are_built_once_and_follow_the_language(tree):
    from django.utils import translation

    from haven.surveys.models import Campaign

    campaign = helpers.campaign(
        tree.users["coordinator"],
        tree.school_a,
        school_questions=[{"code": "school_1", "text": {"en": "Lunch?"}, "kind": "text"}],
    )
    again = Campaign.objects.get(pk=campaign.pk)  # another request, another instance
    with translation.override("en"):
        first, second = services.pages(campaign), services.pages(again)
        assert first[-1] is second[-1]  # the school's page, not parsed again
        assert first[-1].title == "A few questions from your school"
    with translation.override("ro"):
        assert services.pages(again)[-1].title != "A few questions from your school"
        assert services.pages(again)[-1].items[0].text == "Lunch?"


def test_answer_buttons_escape_a_schools_own_choices(client, tree):
    campaign = helpers.campaign(
        tree.users["coordinator"],
        tree.school_a,
        school_questions=[
            {
                "code": "school_1",
                "text": {"en": "Lunch?"},
                "options": [
                    {"value": 0, "label": {"en": "<b>calm</b>"}},
                    {"value": 1, "label": {"en": "loud & busy"}},
                ],
            }
        ],
    )
    [text] = services.codes_generate(
        actor=tree.users["coordinator"], campaign=campaign, class_unit=tree.class_a, count=1
    )
    last = len(services.pages(campaign)) - 1
    set_drafts({"school_1": 1})
    content = post(client, text, action="goto", goto=str(last), page=str(last)).content.decode()
    assert "&lt;b&gt;calm&lt;/b&gt;" in content and "<b>calm" not in content
    assert (
        '<input type="radio" name="q_school_1" value="1" checked> <span>loud &amp; busy</span>'
        in content
    )
