"""Public pages speak the school's language when the browser asks for one Haven lacks; a
language the browser asks for that Haven speaks, or one the person chose, still wins."""

import pytest
from django.conf import settings
from django.test import RequestFactory

from haven.intake.models import Report
from haven.intake.tests.helpers import VALID, submit
from haven.lib.i18n import public_language
from haven.orgs.models import OrgUnit
from haven.orgs.tests.factories import JurisdictionFactory, unit


def lang_of(response) -> str:
    return response.content.decode().split('<html lang="', 1)[1].split('"', 1)[0]


@pytest.mark.parametrize("browser", ["hu", "tr", "de", "hu-HU,hu;q=0.9,en-US;q=0.8,en;q=0.7"])
def test_report_form_speaks_the_schools_language_when_haven_lacks_the_browsers(
    client, tree, browser
):
    page = client.get(f"/r/{tree.school_a.code}/", HTTP_ACCEPT_LANGUAGE=browser)
    assert lang_of(page) == "ro"
    assert page["Content-Language"] == "ro"
    assert "Spune-ne ce s-a întâmplat" in page.content.decode()
    assert "Accept-Language" in page["Vary"]


def test_class_form_too(client, tree):
    page = client.get(f"/r/{tree.school_a.code}/{tree.class_a.code}/", HTTP_ACCEPT_LANGUAGE="de")
    assert lang_of(page) == "ro"


def test_a_language_haven_speaks_is_kept(client, tree):
    page = client.get(f"/r/{tree.school_a.code}/", HTTP_ACCEPT_LANGUAGE="nl-NL,nl;q=0.9")
    assert lang_of(page) == "nl"


def test_the_switchers_choice_wins_over_the_school(client, tree):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(f"/r/{tree.school_a.code}/", HTTP_ACCEPT_LANGUAGE="hu")
    assert lang_of(page) == "en"
    assert 'id="language-select"' in page.content.decode()  # the switcher stays


def test_the_switcher_sets_the_choice_for_the_public_form(client, tree):
    client.post("/i18n/setlang/", {"language": "vi", "next": f"/r/{tree.school_a.code}/"})
    page = client.get(f"/r/{tree.school_a.code}/", HTTP_ACCEPT_LANGUAGE="hu")
    assert lang_of(page) == "vi"


def test_a_request_naming_no_language_keeps_the_default(client, tree):
    assert lang_of(client.get(f"/r/{tree.school_a.code}/")) == settings.LANGUAGE_CODE


def test_first_interface_language_of_the_jurisdiction_is_used(client, tree):
    # A school whose first language Haven's interface lacks (Uzbek here): its next one.
    uz = JurisdictionFactory(code="UZ", languages=["uz", "ru"], time_zone="Asia/Tashkent")
    country = unit(None, OrgUnit.Kind.COUNTRY, "UZ", uz)
    school = unit(country, OrgUnit.Kind.SCHOOL, "UZ-1")
    page = client.get(f"/r/{school.code}/", HTTP_ACCEPT_LANGUAGE="hu")
    assert lang_of(page) == "ru"


def test_a_kazakh_school_speaks_kazakh(client, tree):
    kz = JurisdictionFactory(code="KZ", languages=["kk", "ru"], time_zone="Asia/Almaty")
    country = unit(None, OrgUnit.Kind.COUNTRY, "KZ", kz)
    school = unit(country, OrgUnit.Kind.SCHOOL, "KZ-1")
    page = client.get(f"/r/{school.code}/", HTTP_ACCEPT_LANGUAGE="de")
    assert lang_of(page) == "kk"
    assert "Не болғанын айтып беріңіз" in page.content.decode()
    browser = client.get(f"/r/{school.code}/", HTTP_ACCEPT_LANGUAGE="kk-KZ,kk;q=0.9")
    assert lang_of(browser) == "kk"


def test_the_report_remembers_the_language_it_was_written_in(client, tree):
    data = {**VALID, "submission_token": "tok-lang"}
    client.post(f"/r/{tree.school_a.code}/", data, HTTP_ACCEPT_LANGUAGE="hu")
    assert Report.objects.get().language == "ro"


def test_follow_up_speaks_the_schools_language(client, tree):
    _report, receipt = submit(tree.school_a)
    page = client.post("/follow-up/", {"receipt": str(receipt)}, HTTP_ACCEPT_LANGUAGE="de")
    assert lang_of(page) == "ro"
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "nl"
    page = client.post("/follow-up/", {"receipt": str(receipt)}, HTTP_ACCEPT_LANGUAGE="de")
    assert lang_of(page) == "nl"


@pytest.mark.parametrize(
    ("header", "cookie", "path", "expected"),
    [
        ("hu", "", "/r/X/", "ro"),
        ("*", "", "/r/X/", "ro"),
        ("zh-CN,zh;q=0.9", "", "/r/X/", "zh-hans"),
        ("vi", "", "/r/X/", "vi"),
        ("hu", "ru", "/r/X/", "ru"),
        ("hu", "xx", "/r/X/", "ro"),  # an unknown cookie is no choice
        ("hu", "", "/nl/anything/", "nl"),  # an address's prefix is a choice
    ],
)
def test_public_language_rule(db, header, cookie, path, expected):
    request = RequestFactory().get(path, HTTP_ACCEPT_LANGUAGE=header)
    if cookie:
        request.COOKIES[settings.LANGUAGE_COOKIE_NAME] = cookie
    assert public_language(request, ["ro"]) == expected


def test_school_languages_are_read_only_when_needed(db):
    def boom() -> list[str]:
        raise AssertionError("read")

    request = RequestFactory().get("/s/", HTTP_ACCEPT_LANGUAGE="nl")
    assert public_language(request, boom) == "nl"
    assert public_language(request, boom, "vi") == "vi"
