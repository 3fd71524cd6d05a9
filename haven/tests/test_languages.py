"""Seven languages: every page string translated, and pages render in each language."""

import datetime as dt
import gettext
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse
from django.utils import formats, translation

from haven.lib.dates import long_date
from haven.lib.i18n import pick

ROOT = Path(__file__).resolve().parents[2]
LOCALES = ["ro", "ru", "nl", "zh_Hans", "vi", "kk"]
# The product's name; other words may coincide (Dutch "school", Romanian "district"), but a
# catalogue where many entries equal the English was not really translated.
SAME_EVERYWHERE = {"", "Haven"}
MAX_SHARE_IDENTICAL = 0.1

# Strings a reader of each language must see on the home and login pages.
EXPECTED = {
    "en": ["Every child safe at school", "Log in", "Language"],
    "ro": ["Autentificare", "Limbă", "Fiecare copil în siguranță la școală"],
    "ru": ["Войти", "Язык", "Безопасная школа для каждого ребёнка"],
    "nl": ["Inloggen", "Taal", "Elk kind veilig op school"],
    "zh-hans": ["登录", "语言", "让每个孩子在校园里安全成长"],
    "vi": ["Đăng nhập", "Ngôn ngữ", "Mọi trẻ em đều an toàn ở trường"],
    "kk": ["Кіру", "Тіл", "Әр бала мектепте қауіпсіз"],
}


def msgfmt(po: Path, mo: Path) -> str:
    result = subprocess.run(  # noqa: S603
        ["msgfmt", "--check-format", "--statistics", "-o", str(mo), str(po)],  # noqa: S607
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stderr


@pytest.mark.parametrize("locale", LOCALES)
def test_catalogue_is_complete_and_really_translated(locale, tmp_path):
    po = ROOT / "locale" / locale / "LC_MESSAGES" / "django.po"
    stats = msgfmt(po, tmp_path / "django.mo")
    assert "untranslated" not in stats and "fuzzy" not in stats, stats
    with open(tmp_path / "django.mo", "rb") as handle:
        catalogue = gettext.GNUTranslations(handle)._catalog  # type: ignore[attr-defined]
    entries = [key for key in catalogue if isinstance(key, str) and key not in SAME_EVERYWHERE]
    copies = sorted(key for key in entries if catalogue[key] == key)
    assert len(entries) > 100
    assert len(copies) / len(entries) < MAX_SHARE_IDENTICAL, f"{locale} copies English: {copies}"


def test_every_source_string_is_in_every_catalogue(tmp_path, monkeypatch):
    """Re-extract the strings from the code: none may be missing from the catalogues.

    Runs on a copy of the sources, so the repository's catalogues are never rewritten.
    """
    shutil.copytree(ROOT / "haven", tmp_path / "haven", ignore=shutil.ignore_patterns("*.pyc"))
    shutil.copytree(ROOT / "locale", tmp_path / "locale", ignore=shutil.ignore_patterns("*.mo"))
    copy = tmp_path / "locale"
    before = {p: p.read_bytes() for p in (ROOT / "locale").rglob("*.po")}
    monkeypatch.chdir(tmp_path)
    with override_settings(LOCALE_PATHS=[copy]):
        call_command(
            "makemessages",
            locale=LOCALES,
            ignore_patterns=[".venv", "var", "node_modules", "test-artifacts"],
            no_obsolete=True,
            verbosity=0,
        )
    assert before == {p: p.read_bytes() for p in (ROOT / "locale").rglob("*.po")}
    for locale in LOCALES:
        stats = msgfmt(copy / locale / "LC_MESSAGES" / "django.po", tmp_path / "check.mo")
        assert "untranslated" not in stats and "fuzzy" not in stats, (
            f"{locale}: run `make messages` and translate: {stats}"
        )


@pytest.mark.parametrize("lang", [code for code, _ in settings.LANGUAGES])
def test_home_and_login_render_in_each_language(client, db, lang, compiled_messages):
    with translation.override(lang):
        home, login = reverse("home"), reverse("login")
    assert home == f"/{lang}/"
    pages = client.get(home).content.decode() + client.get(login).content.decode()
    assert f'<html lang="{lang}"' in pages
    for text in EXPECTED[lang]:
        assert text in pages, f"{text!r} missing from the {lang} pages"
    if lang != "en":
        assert ">Log in<" not in pages


def test_a_kazakh_reader_gets_the_russian_of_a_data_text_without_kazakh():
    texts = {"en": "Low risk", "ru": "Низкий риск", "ro": "Risc scăzut"}
    assert pick(texts, "kk") == "Низкий риск"
    assert pick({**texts, "kk": "Төмен қауіп"}, "kk") == "Төмен қауіп"
    assert pick(texts, "nl") == "Low risk"  # other languages still fall back to English


def test_kazakh_pages_render_in_kazakh(client, db, compiled_messages):
    page = client.get("/kk/").content.decode()
    assert '<html lang="kk"' in page
    assert "Әр бала мектепте қауіпсіз" in page
    assert "Every child safe at school" not in page


def test_kazakh_dates_are_written_as_kazakh_writes_them():
    day = dt.date(2026, 9, 30)
    with translation.override("kk"):
        assert long_date(day) == "2026 жылғы 30 қыркүйек"
        assert long_date(day, "MONTH_DAY_FORMAT") == "30 қыркүйек"
        assert formats.date_format(day, "SHORT_DATE_FORMAT") == "30.09.2026"
        assert formats.time_format(dt.time(14, 5)) == "14:05"
