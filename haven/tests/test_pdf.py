"""PDFs say in the server log which Debian package a missing script's font comes in."""

import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from haven.lib import pdf

ROOT = Path(__file__).resolve().parents[2]
# Where Debian's fonts-noto-core puts its fonts (Latin, Cyrillic...; no CJK): `make setup`
# installs it, and it stands here for a machine set up without fonts-noto-cjk.
NOTO_CORE = Path("/usr/share/fonts/truetype/noto")


@pytest.fixture
def fresh_cache():
    pdf._font_missing.cache_clear()
    yield
    pdf._font_missing.cache_clear()


def test_page_languages_are_its_lang_attributes():
    page = '<html lang="zh-hans"><p lang="en">x</p><h1 lang=\'RU\'>y</h1><p lang=zh_Hant>z</p>'
    assert pdf.page_languages(page) == {"zh-hans", "en", "ru", "zh-hant"}


def test_chinese_is_looked_up_by_region_and_named_with_the_cjk_package():
    assert pdf.fontconfig_language("zh-hans") == "zh-cn"
    assert pdf.fontconfig_language("zh-Hant") == "zh-tw"
    assert pdf.fontconfig_language("ru-kz") == "ru"
    assert [pdf.debian_package(code) for code in ("zh-cn", "ja", "ko", "vi", "ru")] == [
        "fonts-noto-cjk",
        "fonts-noto-cjk",
        "fonts-noto-cjk",
        "fonts-noto-core",
        "fonts-noto-core",
    ]


def test_installed_chinese_font_logs_nothing(fresh_cache, caplog):
    caplog.set_level(logging.WARNING, logger="haven.lib.pdf")
    known, fonts = pdf.fontconfig_fonts("zh-cn")
    assert known and fonts > 0
    assert pdf.font_missing("zh-hans") is False
    assert caplog.records == []


def test_language_fontconfig_does_not_know_logs_nothing(fresh_cache, caplog):
    caplog.set_level(logging.WARNING, logger="haven.lib.pdf")
    assert pdf.fontconfig_fonts("qq") == (False, 0)
    assert pdf.font_missing("qq") is False
    assert caplog.records == []


def test_missing_chinese_font_is_logged_once_with_its_package(tmp_path):
    """A server whose fontconfig has the Noto core fonts only prints two Chinese and Russian
    PDFs: one warning, naming fonts-noto-cjk; nothing for Russian, which has its font."""
    assert NOTO_CORE.is_dir(), "fonts-noto-core is not installed: run make setup"
    config = tmp_path / "fonts.conf"
    config.write_text(
        '<?xml version="1.0"?>\n<fontconfig>'
        f"<dir>{NOTO_CORE}</dir><cachedir>{tmp_path}</cachedir></fontconfig>\n"
    )
    script = (
        "import logging\n"
        "logging.basicConfig(format='%(levelname)s %(name)s %(message)s')\n"
        "from haven.lib.pdf import html_to_pdf\n"
        # Latin letters on a Chinese page: the check reads the page's languages, and Pango
        # without any CJK font has been seen to crash on CJK glyphs (exit -11).
        'page = \'<html lang="zh-hans"><p>Ni hao</p><p lang="ru">Привет</p></html>\'\n'
        "for _ in range(2):\n"
        "    assert html_to_pdf(page).startswith(b'%PDF')\n"
    )
    done = subprocess.run(  # noqa: S603 (our own script, in a fontconfig of our own)
        [sys.executable, "-c", script],
        cwd=ROOT,
        env={**os.environ, "FONTCONFIG_FILE": str(config)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    ours = [line for line in done.stderr.splitlines() if " haven.lib.pdf " in line]
    assert len(ours) == 1, done.stderr
    assert ours[0].startswith("WARNING ")
    assert "zh-cn" in ours[0]
    assert "apt-get install fonts-noto-cjk" in ours[0]
