"""The pupil's survey in the school's language, and a thank-you page that says where to turn."""

import pytest

from haven.surveys import services
from haven.surveys.tests import helpers


@pytest.fixture
def code_text(tree):
    helpers.pupils(tree.class_a, 3)
    campaign = helpers.campaign(tree.users["coordinator"], tree.school_a)
    return services.codes_generate(
        actor=tree.users["coordinator"], campaign=campaign, class_unit=tree.class_a, count=1
    )[0]


def lang_of(response) -> str:
    return response.content.decode().split('<html lang="', 1)[1].split('"', 1)[0]


def test_thank_you_page_links_the_class_report_form_and_shows_help_numbers(client, tree, code_text):
    helpers.answer(services.code_open(code_text=code_text), helpers.full_answers())
    done = client.post("/s/", {"code": code_text, "lang": "en", "action": "submit", "page": "6"})
    page = done.content.decode()
    assert "Your answers have been sent" in page
    assert f'href="/r/{tree.school_a.code}/{tree.class_a.code}/"' in page
    assert 'href="tel:112"' in page  # the school's jurisdiction's numbers
    assert client.get(f"/r/{tree.school_a.code}/{tree.class_a.code}/").status_code == 200


def test_survey_speaks_the_schools_language_for_a_browser_haven_lacks(client, code_text):
    # The code page knows no school yet: nothing chosen, so nothing carried along.
    first = client.get("/s/", HTTP_ACCEPT_LANGUAGE="hu")
    assert 'name="lang" value=""' in first.content.decode()
    page = client.post(
        "/s/", {"code": code_text, "lang": "", "action": "start"}, HTTP_ACCEPT_LANGUAGE="hu"
    )
    assert page.status_code == 200
    assert lang_of(page) == "ro"
    assert 'name="lang" value="ro"' in page.content.decode()  # then carried page to page


def test_a_language_chosen_on_the_survey_wins(client, code_text):
    page = client.post(
        "/s/",
        {"code": code_text, "action": "start", "switch_lang": "vi"},
        HTTP_ACCEPT_LANGUAGE="hu",
    )
    assert lang_of(page) == "vi"
    page = client.post(
        "/s/", {"code": code_text, "lang": "nl", "action": "start"}, HTTP_ACCEPT_LANGUAGE="de"
    )
    assert lang_of(page) == "nl"


def test_a_browser_language_haven_speaks_is_kept_on_the_survey(client, code_text):
    page = client.post(
        "/s/", {"code": code_text, "lang": "", "action": "start"}, HTTP_ACCEPT_LANGUAGE="vi"
    )
    assert lang_of(page) == "vi"
