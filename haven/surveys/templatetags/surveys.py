from django import template
from django.utils.html import format_html

from haven.surveys.labels import label
from haven.surveys.suppression import Shown, label_text

register = template.Library()


@register.filter
def measure_label(key: str) -> str:
    return label(key)


@register.filter
def pct(value: float | None) -> str:
    return "\u2013" if value is None else f"{value * 100:.0f}%"


@register.filter
def num(value: float | None, digits: int = 2) -> str:
    return "\u2013" if value is None else f"{value:.{digits}f}"


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
        f"{iv.estimate * 100:+.0f}",  # type: ignore[attr-defined]
        f"{iv.low * 100:+.0f}",  # type: ignore[attr-defined]
        f"{iv.high * 100:+.0f}",  # type: ignore[attr-defined]
    )
