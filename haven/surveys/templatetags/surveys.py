"""Figures on the survey pages and the PDF, written the way the page's language writes
numbers (Django's ``number_format``): 3,25 in Romanian, Dutch, Russian or Vietnamese, 3.25 in
English or Chinese."""

from typing import Any

from django import template
from django.utils.formats import number_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from haven.lib.disclosure import Shown, label_text
from haven.surveys.labels import label

register = template.Library()


@register.filter
def measure_label(key: str) -> str:
    return label(key)


@register.filter
def pct(value: float | None) -> str:
    return "\u2013" if value is None else f"{number_format(round(value * 100), 0)}%"


@register.filter
def num(value: float | None, digits: int = 2) -> str:
    return "\u2013" if value is None else number_format(round(value, digits), digits)


def signed(value: float) -> str:
    """Points of change with their sign, "+3" or "-3" (never "-0")."""
    points = round(value * 100)
    sign = "+" if points >= 0 else "-"
    return f"{sign}{number_format(abs(points), 0)}"


@register.simple_tag
def cell(shown: Shown | None) -> str:
    """A protected figure: "23% (18-29%)", a band, or why it is hidden."""
    if shown is None:
        return "\u2013"
    if not shown.exact:
        return format_html('<span class="suppressed">{}</span>', label_text(shown))
    if shown.interval is None:
        return format_html("{}", pct(shown.value))
    return format_html(
        '{} <span class="interval">({}\u2013{})</span>',
        pct(shown.value),
        pct(shown.interval.low),
        pct(shown.interval.high),
    )


@register.simple_tag
def interval(iv: object) -> str:
    if iv is None:
        return "\u2013"
    return format_html(
        "{} ({} \u2013 {})",
        signed(iv.estimate),  # type: ignore[attr-defined]
        signed(iv.low),  # type: ignore[attr-defined]
        signed(iv.high),  # type: ignore[attr-defined]
    )


OPTION = (
    '<label class="survey-option"><input type="radio" name="q_{}" value="{}"{}> '
    "<span>{}</span></label>"
)


@register.simple_tag
def survey_options(question: dict[str, Any]) -> str:
    """The answer buttons of a closed question. Written here rather than as a template loop:
    the loop was the costliest part of rendering the pupil's page (about 45 buttons a page)."""
    code = question["item"].code
    return format_html_join(
        "\n",
        OPTION,
        (
            (code, value, mark_safe(" checked") if checked else "", label)
            for value, label, checked in question["options"]
        ),
    )
