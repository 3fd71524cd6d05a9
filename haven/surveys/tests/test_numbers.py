"""Figures on the results pages and the PDF are written as the page's language writes them."""

import re

import pytest
from django.template.loader import render_to_string
from django.utils import translation

from haven.surveys import views_staff
from haven.surveys.templatetags.surveys import interval, num, pct
from haven.surveys.tests.test_views import url

DECIMALS = re.compile(r"\d+[.,]\d\d\b")


def _scales_table(content: str) -> str:
    start = content.index("Cronbach")
    return content[start : content.index("</table>", start)]


@pytest.mark.parametrize(("lang", "mark"), [("ro", ","), ("nl", ","), ("en", ".")])
def test_scale_means_on_the_results_page_use_the_languages_decimal_mark(
    client, tree, surveyed, lang, mark
):
    client.force_login(tree.users["principal"])
    page = client.get(url("campaign_results", surveyed.pk).replace("/en/", f"/{lang}/"))
    assert page.status_code == 200
    figures = DECIMALS.findall(_scales_table(page.content.decode()))
    assert figures  # means, their intervals and SDs
    assert all(mark in figure for figure in figures), figures


@pytest.mark.parametrize(("lang", "mark"), [("ro", ","), ("nl", ",")])
def test_scale_means_in_the_pdf_use_the_languages_decimal_mark(tree, surveyed, lang, mark):
    with translation.override(lang):
        context = views_staff._school_context(surveyed, tree.users["principal"])
        html = render_to_string("surveys/results_pdf.html", context)
    figures = DECIMALS.findall(_scales_table(html))
    assert figures and all(mark in figure for figure in figures), figures


def test_figure_filters_follow_the_active_language():
    class Iv:
        estimate, low, high = -0.034, -0.101, 0.004

    with translation.override("ro"):
        assert num(3.256) == "3,26"
        assert pct(0.234) == "23%"
        assert interval(Iv()) == "-3 (-10 – +0)"
    with translation.override("nl"):
        assert num(12.5, 1) == "12,5"
    with translation.override("en"):
        assert num(3.256) == "3.26"
    assert num(None) == "\u2013"
