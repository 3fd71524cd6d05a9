"""Spreadsheet exports of protected results (CSV with the stdlib, XLSX with xlsxwriter).

Exports read only :class:`~haven.surveys.results.Results` (already suppressed) and never
write a hidden figure: a hidden cell is written as its translated reason, a banded one as
"<5%" / ">95%".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from haven.surveys.results import Results
from haven.surveys.stats import Aggregate
from haven.surveys.suppression import MIN_GROUP

# The Dutch inspectorate's three domains, as the means keys of an Aggregate.
NL_DOMAINS = {
    "perceived_safety": "safety",
    "violations": "violations",
    "wellbeing": "wellbeing",
}


def results_table(results: Results, labels: Mapping[str, str] | None = None) -> list[list[Any]]:
    """Header plus one line per figure, as plain values (shared by CSV and XLSX)."""
    raise NotImplementedError


def results_csv(results: Results, labels: Mapping[str, str] | None = None) -> str:
    raise NotImplementedError


def results_xlsx(results: Results, labels: Mapping[str, str] | None = None) -> bytes:
    raise NotImplementedError


def nl_domains_rows(
    schools: Iterable[tuple[str, str, Aggregate]], *, min_group: int = MIN_GROUP
) -> list[list[Any]]:
    """Header plus one line per school (code, name, respondents, the three domain means
    with their n); a school or domain under ``min_group`` is written as hidden."""
    raise NotImplementedError


def rows_csv(rows: list[list[Any]]) -> str:
    raise NotImplementedError


def rows_xlsx(rows: list[list[Any]], sheet: str = "Results") -> bytes:
    raise NotImplementedError
