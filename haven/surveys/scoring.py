"""One respondent's answers scored into what the statistics add up (``stats.Answers``).

Keys of the scored measures:
- flags (True / False / None = missing): ``victim`` and ``bully`` (global item at "2-3 times a
  month" or more), ``any_form_victim`` / ``any_form_bully``, ``form_victim.<form>`` /
  ``form_bully.<form>``, ``role.<victim|bully|bully_victim|not_involved>``,
  ``power_imbalance``, ``told_adult``, ``it_stopped`` (among those who told an adult), and
  ``school.<code>.<value>`` for each closed question a school added;
- scores: ``<scale>`` mean after reverse-coding, when two thirds of its items are answered,
  and ``violations``, the mean frequency of the forms of being bullied;
- items: ``<scale>`` the reverse-coded item values (for Cronbach's alpha).
Open answers are never scored.
"""

from typing import Any

from haven.lib import stats
from haven.surveys.instruments import Instrument, Item


def _value(answers: dict[str, Any], item: Item | None) -> int | None:
    if item is None or not item.shown(answers):
        return None
    value = answers.get(item.code)
    return value if isinstance(value, int) and item.valid(value) else None


def _one(instrument: Instrument, measure: str) -> Item | None:
    found = instrument.measure_items(measure)
    return found[0] if found else None


def score(
    instrument: Instrument, answers: dict[str, Any], school_items: list[Item] | None = None
) -> dict[str, Any]:
    """The measures of one response, as a JSON-ready dict of ``stats.Answers`` fields."""
    flags: dict[str, bool | None] = {}
    victim = _value(answers, _one(instrument, "victim_global"))
    bully = _value(answers, _one(instrument, "perp_global"))
    if _one(instrument, "victim_global"):
        flags["victim"] = stats.at_least(victim)
    if _one(instrument, "perp_global"):
        flags["bully"] = stats.at_least(bully)
    if _one(instrument, "victim_global") and _one(instrument, "perp_global"):
        flags.update(stats.role_flags(stats.role(victim, bully)))
    for measure, key in (("victim_form", "victim"), ("perp_form", "bully")):
        items = instrument.measure_items(measure)
        if not items:
            continue
        values = [_value(answers, item) for item in items]
        flags[f"any_form_{key}"] = stats.any_at_least(values)
        for item, value in zip(items, values, strict=True):
            flags[f"form_{key}.{item.form}"] = stats.at_least(value)
    for measure in ("power_imbalance", "told_adult"):
        yes_no = _one(instrument, measure)
        if yes_no is not None:
            value = _value(answers, yes_no)
            flags[measure] = None if value is None else value >= 1
    stopped = _one(instrument, "it_stopped")
    if stopped is not None:
        value = _value(answers, stopped)
        flags["it_stopped"] = None if value is None else value == stopped.top
    for item in school_items or []:
        if item.closed:
            value = _value(answers, item)
            for option in item.options:
                flags[f"school.{item.code}.{option.value}"] = (
                    None if value is None else value == option.value
                )

    scores: dict[str, float | None] = {}
    rows: dict[str, list[float | None]] = {}
    for scale in instrument.scales:
        row: list[float | None] = []
        for item in instrument.scale_items(scale.code):
            value = _value(answers, item)
            low, high = min(item.values), max(item.values)
            row.append(stats.reverse(value, low, high) if item.reverse else value)
        rows[scale.code] = row
        scores[scale.code] = stats.scale_score(row)
    # The Dutch inspectorate's "violations of safety" domain: the mean frequency (0-4) of the
    # forms of being bullied, under the same two-thirds rule as the scales.
    forms = instrument.measure_items("victim_form")
    if forms:
        scores["violations"] = stats.scale_score([_value(answers, item) for item in forms])
    return {"flags": flags, "scores": scores, "items": rows}


def as_answers(measures: dict[str, Any]) -> "stats.Answers":
    return stats.Answers(
        flags=measures.get("flags", {}),
        scores=measures.get("scores", {}),
        items={k: list(v) for k, v in measures.get("items", {}).items()},
    )
