"""Server-rendered SVG charts: no JavaScript, no CDN, printable.

A chart is drawn from points that are already disclosed (a hidden value arrives hidden and
stays hidden: the chart marks it, it never draws it). Each chart comes with the rows of its
data table (for screen readers and print) and a one-sentence summary, both made by the caller's
template from ``Chart``. Labels are measured generously (as if every character were wide) and
rotated when they do not fit under their column, so nothing is cut off at any width: the SVG
has a viewBox and scales to its box, text included.
"""

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from math import ceil, cos, log10, radians, sin

from django.utils.formats import number_format
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

FONT = 13  # px in the chart's own units
COLUMN = 34  # width of one month's slot
PAD = 8
AXIS = 44  # room for the value axis labels on the left (measured below, at least this)
PLOT_H = 150
ANGLE = 50  # degrees: labels too wide for their column are turned by this much


@dataclass(frozen=True)
class Point:
    label: str  # short, under the column ("Sep", "Tháng 9")
    title: str  # in full, for the table and the tooltip ("September 2025")
    value: float | None  # None: hidden or no data; never drawn
    text: str  # as shown in the table ("12", "hidden", "no data")
    hidden: bool = False
    group: str = ""  # written under the labels where it changes ("2026" under January)


@dataclass(frozen=True)
class Chart:
    svg: SafeString
    points: Sequence[Point]
    width: int
    height: int


def text_width(text: str, size: float = FONT) -> float:
    """A generous estimate of a label's width: wide (CJK) characters count a full em, others
    0.62 em (wider than the average Latin letter), so an estimate errs on the safe side."""
    em = 0.0
    for char in text:
        if unicodedata.east_asian_width(char) in ("W", "F"):
            em += 1.0
        elif unicodedata.combining(char):
            continue
        else:
            em += 0.62
    return em * size


def nice_max(value: float, floor: float = 1.0) -> float:
    """The top of the value axis: 1, 2, 2.5 or 5 times a power of ten, at least ``value``
    (and at least ``floor``)."""
    value = max(value, floor)
    if value <= 0:
        return 1.0
    power = 10 ** int(log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if step * power >= value:
            return float(step * power)
    return float(10 * power)  # pragma: no cover - the loop always returns


def _number(value: float) -> str:
    digits = 0 if float(value).is_integer() else 1
    return str(number_format(value, digits, force_grouping=True))


def columns(points: Sequence[Point], title: str, key: str = "chart", floor: float = 10) -> Chart:
    """A column chart, one column per point, with a value axis at 0, half and the top.
    Hidden points get a hatched empty slot and a dash; points without data a gap."""
    key = re.sub(r"[^a-z0-9-]", "-", key.lower())  # an id, unique on the page
    shown = [p.value for p in points if p.value is not None and not p.hidden]
    # Counts: an axis of at least 0-5-10, never halves of one.
    top = nice_max(max(shown, default=0.0), floor)
    ticks = [0.0, top / 2, top]
    axis = max(AXIS, ceil(max(text_width(_number(t)) for t in ticks)) + 2 * PAD)
    widest = max((text_width(p.label) for p in points), default=0.0)
    rotate = widest > COLUMN - 4
    if rotate:
        # A turned label reaches down by its width times sin(angle), plus its own height.
        # The turn is about the label's end, which sits a line below the zero line.
        label_h = FONT + 2 + ceil(widest * sin(radians(ANGLE)) + FONT * cos(radians(ANGLE))) + PAD
        # ... and leftwards past its column by width times cos(angle).
        left_extra = max(0, ceil(widest * cos(radians(ANGLE)) - COLUMN / 2 - axis) + PAD)
    else:
        label_h, left_extra = FONT + PAD * 2, 0
    x0 = axis + left_extra
    width = x0 + COLUMN * max(len(points), 1) + PAD
    value_h = FONT + 4  # the value written above each column
    y0 = PAD + value_h  # top of the plot
    base = y0 + PLOT_H  # the zero line
    groups = any(p.group for p in points)
    # A long group text in a narrow chart: the box widens to hold it.
    width = max(width, ceil(max((text_width(p.group) for p in points), default=0)) + 2 * PAD)
    group_y = base + label_h + FONT  # a line of its own below the labels
    height = base + label_h + (FONT + PAD if groups else 0)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'font-size="{FONT}" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
    ]
    for tick in ticks:
        y = base - tick / top * PLOT_H
        parts.append(
            f'<line x1="{x0}" y1="{y:.1f}" x2="{width - PAD}" y2="{y:.1f}" class="grid" '
            f'stroke="#c9d1da" aria-hidden="true"/>'
            f'<text x="{x0 - 6}" y="{y + FONT / 3:.1f}" text-anchor="end" fill="#4a5360">'
            f"{escape(_number(tick))}</text>"
        )
    bar = COLUMN - 10
    for i, point in enumerate(points):
        cx = x0 + COLUMN * i + COLUMN / 2
        tip = f"<title>{escape(point.title)}: {escape(point.text)}</title>"
        if point.hidden:
            parts.append(
                f'<g class="hidden-value"><rect x="{cx - bar / 2:.1f}" y="{base - 24}" '
                f'width="{bar}" height="24" fill="url(#{key}-hatch)" stroke="#4a5360" '
                f'stroke-dasharray="3 2"/>{tip}</g>'
                f'<text x="{cx:.1f}" y="{base - 28}" text-anchor="middle" '
                f'fill="#4a5360">\u2013</text>'
            )
        elif point.value is not None:
            h = point.value / top * PLOT_H
            parts.append(
                f'<g><rect x="{cx - bar / 2:.1f}" y="{base - h:.1f}" width="{bar}" '
                f'height="{h:.1f}" fill="#0b5d7a"/>{tip}</g>'
            )
            # The value above its column when it fits there (smaller if need be); a value
            # too long for any size is left to the tooltip and the table, never cut.
            value_text = _number(point.value)
            size = next((s for s in (FONT, FONT * 0.75) if text_width(value_text, s) <= COLUMN), 0)
            if size:
                parts.append(
                    f'<text x="{cx:.1f}" y="{base - h - 4:.1f}" text-anchor="middle" '
                    f'font-size="{size:g}">{escape(value_text)}</text>'
                )
        label = escape(point.label)
        if rotate:
            ly = base + FONT + 2
            parts.append(
                f'<text x="{cx:.1f}" y="{ly}" text-anchor="end" '
                f'transform="rotate(-{ANGLE} {cx:.1f} {ly})">{label}</text>'
            )
        else:
            parts.append(
                f'<text x="{cx:.1f}" y="{base + FONT + PAD}" text-anchor="middle">{label}</text>'
            )
    previous = ""
    for i, point in enumerate(points):
        if point.group and point.group != previous:
            # From its column's left edge, or ending at the chart's right edge if it is long.
            left = x0 + COLUMN * i + 2
            end = left + text_width(point.group)
            anchor, x = ("start", left) if end <= width - PAD else ("end", width - PAD)
            parts.append(
                f'<text x="{x}" y="{group_y}" text-anchor="{anchor}" font-weight="600">'
                f"{escape(point.group)}</text>"
            )
        previous = point.group
    parts.append(
        f'<line x1="{x0}" y1="{base}" x2="{width - PAD}" y2="{base}" stroke="#1b1f24" '
        f'aria-hidden="true"/>'
    )
    defs = (
        f'<defs><pattern id="{key}-hatch" width="6" height="6" '
        'patternUnits="userSpaceOnUse" patternTransform="rotate(45)">'
        '<line x1="0" y1="0" x2="0" y2="6" stroke="#8a94a0" stroke-width="2"/></pattern></defs>'
    )
    parts.insert(2, defs)
    parts.append("</svg>")
    # Every piece of text is escaped above; the rest is our own markup.
    return Chart(svg=mark_safe("".join(parts)), points=points, width=width, height=height)  # noqa: S308


def summary(points: Sequence[Point]) -> str:
    """One sentence a screen reader or a printout can stand on: the span, the highest and
    lowest shown value, and how many points are hidden or have no data."""
    if not points:
        return _("No data for this period.")
    shown = [p for p in points if p.value is not None and not p.hidden]
    parts = [
        _("From %(first)s to %(last)s.") % {"first": points[0].title, "last": points[-1].title}
    ]
    if shown:
        high = max(shown, key=lambda p: p.value or 0)
        low = min(shown, key=lambda p: p.value or 0)
        parts.append(
            _("Highest: %(high_month)s (%(high)s); lowest: %(low_month)s (%(low)s).")
            % {"high_month": high.title, "high": high.text, "low_month": low.title, "low": low.text}
        )
    hidden = sum(1 for p in points if p.hidden)
    if hidden:
        parts.append(
            ngettext(
                "%(count)s month hidden (too few to show).",
                "%(count)s months hidden (too few to show).",
                hidden,
            )
            % {"count": hidden}
        )
    missing = sum(1 for p in points if p.value is None and not p.hidden)
    if missing:
        parts.append(
            ngettext("%(count)s month without data.", "%(count)s months without data.", missing)
            % {"count": missing}
        )
    return " ".join(parts)
