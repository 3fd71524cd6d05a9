"""Spreadsheet tables of protected results (written to CSV/XLSX by ``lib.tabular``).

Exports read only :class:`~haven.surveys.results.Results` (already suppressed) and never
write a hidden figure: a hidden cell is written as its translated reason, a banded one as
"<5%" / ">95%".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.utils.translation import gettext_lazy as _

from haven.lib.disclosure import MIN_GROUP, SMALL_GROUP, Shown, label_text
from haven.lib.stats import Aggregate, Interval
from haven.surveys.results import Results

# The Dutch inspectorate's three domains, as the means keys of an Aggregate.
NL_DOMAINS = {
    "perceived_safety": "safety",
    "violations": "violations",
    "wellbeing": "wellbeing",
}


def _cell(shown: Shown) -> tuple[Any, Any, Any]:
    """(estimate, low, high) of one protected cell: figures, or only the band/reason text."""
    if shown.exact and shown.value is not None:
        interval = shown.interval
        return (
            round(shown.value, 4),
            round(interval.low, 4) if interval else "",
            round(interval.high, 4) if interval else "",
        )
    return (label_text(shown), "", "")


def _interval(interval: Interval | None) -> tuple[Any, Any, Any]:
    if interval is None:
        return ("", "", "")
    return (round(interval.estimate, 4), round(interval.low, 4), round(interval.high, 4))


def results_table(results: Results, labels: Mapping[str, str] | None = None) -> list[list[Any]]:
    """Header plus one line per figure, as plain values (shared by CSV and XLSX).

    Shares are fractions (0.25 = 25%). A hidden figure is written as its translated reason
    and nothing else; a banded one as "<5%" / ">95%".
    """
    labels = labels or {}
    header = [
        str(_("Section")),
        str(_("Measure")),
        str(_("Label")),
        str(_("Answers (n)")),
        str(_("Missing")),
        str(_("Estimate")),
        str(_("Lower limit (95%)")),
        str(_("Upper limit (95%)")),
        str(_("Change since last survey")),
        str(_("Change, low")),
        str(_("Change, high")),
        str(_("Benchmark without this group")),
        str(_("Difference from benchmark")),
        str(_("Difference, low")),
        str(_("Difference, high")),
    ]
    out: list[list[Any]] = [header]
    if results.hidden:
        hidden_text = label_text(Shown(hidden=True, reason=SMALL_GROUP))
        out.append(["group", "respondents", str(_("Respondents")), "", "", hidden_text])
        return out
    out.append(["group", "respondents", str(_("Respondents")), results.respondents])
    out.append(["group", "eligible", str(_("Pupils in the surveyed classes")), results.eligible])
    rate = results.response_rate
    out.append(
        [
            "group",
            "response_rate",
            str(_("Response rate")),
            results.respondents,
            "",
            "" if rate is None else round(rate, 4),
        ]
    )
    sections = (
        ("prevalence", results.rows),
        ("role", results.roles),
        ("form_victim", results.top_forms),
        ("form_bully", results.top_forms_bully),
    )
    for section, rows in sections:
        for row in rows:
            s = row.shown
            bench: Any = ""
            if row.benchmark is not None:
                bench = _cell(row.benchmark)[0]
            out.append(
                [
                    section,
                    row.key,
                    labels.get(row.key, row.key),
                    "" if s.n is None else s.n,
                    "" if row.missing is None else row.missing,
                    *_cell(s),
                    *_interval(row.change),
                    bench,
                    *_interval(row.comparison),
                ]
            )
    for scale in results.scales:
        if scale.hidden:
            text = label_text(Shown(hidden=True, reason=SMALL_GROUP))
            out.append(["scale", scale.key, labels.get(scale.key, scale.key), "", "", text])
            continue
        interval = scale.interval
        out.append(
            [
                "scale",
                scale.key,
                labels.get(scale.key, scale.key),
                scale.n,
                "",
                None if scale.mean is None else round(scale.mean, 4),
                round(interval.low, 4) if interval else "",
                round(interval.high, 4) if interval else "",
                *_interval(scale.change),
                "" if scale.benchmark is None else round(scale.benchmark, 4),
                *_interval(scale.comparison),
            ]
        )
        if scale.alpha is not None:
            out.append(
                [
                    "alpha",
                    scale.key,
                    str(_("Cronbach's alpha")),
                    scale.alpha_n,
                    "",
                    round(scale.alpha, 3),
                ]
            )
    return out


def nl_domains_rows(
    schools: Iterable[tuple[str, str, Aggregate]], *, min_group: int = MIN_GROUP
) -> list[list[Any]]:
    """Header plus one line per school (code, name, respondents, the three domain means
    with their n); a school or domain under ``min_group`` is written as hidden.

    The means are school means of the respondents' scale scores, as the inspectorate
    receives them: "safety" (perceived safety), "violations" (the mean of the victimisation
    form items, 0..4) and "wellbeing".
    """
    header: list[Any] = [str(_("School code")), str(_("School")), str(_("Respondents"))]
    for title in (_("Perceived safety"), _("Violations of safety"), _("Wellbeing")):
        header += [str(title), str(_("Answers (n)"))]
    out: list[list[Any]] = [header]
    too_few = label_text(Shown(hidden=True, reason=SMALL_GROUP))
    for code, name, agg in schools:
        if agg.respondents < min_group:
            out.append([code, name, too_few] + [too_few, ""] * len(NL_DOMAINS))
            continue
        line: list[Any] = [code, name, agg.respondents]
        for key in NL_DOMAINS.values():
            m = agg.means.get(key)
            if m is None or m.n == 0:
                line += [str(_("Not measured")), ""]
            elif m.n < min_group or m.mean is None:
                line += [too_few, ""]
            else:
                line += [round(m.mean, 3), m.n]
        out.append(line)
    return out
