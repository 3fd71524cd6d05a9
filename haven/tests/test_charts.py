"""The SVG column chart: hidden values are never drawn, labels fit the box, text is escaped."""

import re
import xml.etree.ElementTree as ET

from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from haven.lib import charts
from haven.lib.charts import Point

SVG = "{http://www.w3.org/2000/svg}"


def _points(values: list[int | None], label: str = "Sep", group: str = "") -> list[Point]:
    return [
        Point(
            label=label,
            title=f"{label} {i}",
            value=v,
            text="hidden" if v is None else str(v),
            hidden=v is None,
            group=f"{group}{i // 5}" if group else "",
        )
        for i, v in enumerate(values)
    ]


def _tree(chart: charts.Chart) -> ET.Element:
    return ET.fromstring(str(chart.svg))  # noqa: S314 - our own output


def test_hidden_value_is_marked_not_drawn() -> None:
    chart = charts.columns(_points([12, None, 30]), "Reports")
    root = _tree(chart)
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "12" in texts and "30" in texts
    assert root.find(f".//{SVG}g[@class='hidden-value']") is not None
    # Three columns: two bars with a height proportional to the value, one hatched slot.
    bars = [r for r in root.iter(f"{SVG}rect") if r.get("fill") == "#0b5d7a"]
    assert [float(b.get("height", 0)) for b in bars] == [12 / 50 * charts.PLOT_H, 30 / 50 * 150]


def test_title_and_labels_are_escaped() -> None:
    points = [Point(label="<b>", title="a&b", value=1, text="1")]
    chart = charts.columns(points, 'x"<script>')
    assert "<script>" not in str(chart.svg) and "<b>" not in str(chart.svg)
    assert _tree(chart).find(f"{SVG}title") is not None


def test_wide_labels_turn_and_the_box_grows_to_hold_them() -> None:
    narrow = charts.columns(_points([1, 2, 3], label="Ian"), "t")
    wide = charts.columns(_points([1, 2, 3], label="Tháng 12"), "t")
    assert 'transform="rotate(' not in str(narrow.svg)
    assert 'transform="rotate(' in str(wide.svg)
    assert wide.height > narrow.height


@given(
    st.lists(st.one_of(st.none(), st.integers(0, 10**6)), min_size=1, max_size=24),
    st.sampled_from(["Sep", "Tháng 12", "十二月", "Сентябрь", "W"]),
    st.sampled_from(["", "202", "2025-2026 "]),
)
def test_every_label_lies_inside_the_view_box(
    values: list[int | None], label: str, group: str
) -> None:
    """A generous estimate of each text's box (as the browser test measures for real)."""
    chart = charts.columns(_points(values, label=label, group=group), "t")
    for text in _tree(chart).iter(f"{SVG}text"):
        x, y = float(text.get("x", 0)), float(text.get("y", 0))
        size = float(text.get("font-size", charts.FONT))
        w = charts.text_width(text.text or "", size)
        anchor = text.get("text-anchor", "start")
        left = {"start": x, "middle": x - w / 2, "end": x - w}[anchor]
        if text.get("transform"):
            # Turned about its end by ANGLE: it reaches left by w*cos and down by w*sin.
            turn = re.search(r"rotate\(-(\d+)", text.get("transform", ""))
            assert turn is not None
            from math import cos, radians, sin

            a = radians(int(turn.group(1)))
            assert x - w * cos(a) >= 0
            assert y + w * sin(a) + size <= chart.height
        else:
            assert left >= 0 and left + w <= chart.width, (text.text, left, w, chart.width)
            assert y - size >= 0 and y <= chart.height


def test_the_year_is_written_where_it_changes() -> None:
    points = [
        Point(label=m, title=m, value=1, text="1", group=y)
        for m, y in (("Nov", "2025"), ("Dec", "2025"), ("Jan", "2026"), ("Feb", "2026"))
    ]
    texts = [t.text for t in _tree(charts.columns(points, "t")).iter(f"{SVG}text")]
    assert texts.count("2025") == 1 and texts.count("2026") == 1


def test_axis_top_is_a_round_number_at_least_the_largest_value() -> None:
    assert charts.nice_max(0) == 1
    assert charts.nice_max(0.4) == 1
    assert charts.nice_max(7) == 10
    assert charts.nice_max(12) == 20
    assert charts.nice_max(240) == 250
    assert charts.nice_max(5000) == 5000
    assert charts.nice_max(3, floor=10) == 10  # counts: never an axis of halves


def test_summary_names_highest_lowest_and_hidden_months() -> None:
    with translation.override("en"):
        text = charts.summary(_points([12, None, 30, 4]))
    assert "Sep 0" in text and "Sep 3" in text
    assert "Highest: Sep 2 (30); lowest: Sep 3 (4)." in text
    assert "1 month hidden" in text
    with translation.override("ro"):
        assert "Highest" not in charts.summary(_points([1, None]))
