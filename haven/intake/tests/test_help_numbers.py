"""Help numbers on the public pages and the posters are named in the reader's language."""

import pytest

from haven.intake import posters
from haven.intake.tests.helpers import VALID
from haven.orgs.demo import jurisdictions_load
from haven.orgs.models import Jurisdiction

BASE = "https://haven.example"


@pytest.fixture
def loaded(tree):
    """The tree's schools under the real jurisdictions, as loaded from the data file."""
    jurisdictions_load()
    return tree


def move(school, code):
    school.jurisdiction = Jurisdiction.objects.get(code=code)
    school.save(update_fields=["jurisdiction"])
    return school


@pytest.mark.parametrize(
    ("language", "name"),
    [
        ("ro", "Telefonul Copilului"),
        ("nl", "Kindertelefoon (Telefonul Copilului)"),
        ("ru", "Детский телефон доверия (Telefonul Copilului)"),
        ("zh-hans", "儿童求助热线（Telefonul Copilului）"),
        ("vi", "Đường dây trợ giúp trẻ em (Telefonul Copilului)"),
        ("en", "Child helpline (Telefonul Copilului)"),
    ],
)
def test_report_form_names_the_numbers_in_the_page_language(client, loaded, language, name):
    page = client.get(f"/r/{loaded.school_a.code}/", HTTP_ACCEPT_LANGUAGE=language)
    danger = page.content.decode().split('id="danger-heading"')[1].split("</section>")[0]
    assert 'href="tel:116111"' in danger
    assert name in danger


def test_receipt_page_names_the_numbers_in_the_page_language(client, loaded):
    move(loaded.school_a, "VN")
    response = client.post(
        f"/r/{loaded.school_a.code}/",
        {**VALID, "submission_token": "tok-1"},
        HTTP_ACCEPT_LANGUAGE="nl",
    )
    assert response.status_code == 200
    danger = response.content.decode().split('id="danger-heading"')[1].split("</section>")[0]
    assert "Nationale hulplijn voor kinderbescherming" in danger
    assert "Tổng đài quốc gia bảo vệ trẻ em" not in danger


@pytest.mark.parametrize(
    ("code", "local", "other"),
    [
        ("CN", "青少年服务台", "Youth service hotline (12355)"),
        ("VN", "Tổng đài quốc gia bảo vệ trẻ em", "National child protection hotline"),
        ("NL", "De Kindertelefoon", "Child helpline (De Kindertelefoon)"),
        ("KZ", "Национальный телефон доверия для детей и молодёжи", "National trust line"),
    ],
)
def test_poster_names_the_numbers_in_the_jurisdictions_languages(loaded, code, local, other):
    school = move(loaded.school_a, code)
    html = posters.poster_html(school=school, classes=None, base_url=BASE)
    numbers = html.split('<div class="numbers">')[1]
    assert local in numbers
    assert other not in numbers  # the poster speaks the place's languages, not English


def test_poster_pdf_renders_with_the_translated_names(loaded):
    school = move(loaded.school_a, "CN")
    pdf = posters.poster_produce(
        actor=loaded.users["coordinator"], school=school, class_unit=None, base_url=BASE
    )
    assert pdf.startswith(b"%PDF")
