"""Plausible pupils' answers for the demo school and the national benchmark (never for real
results): a latent frequency of being bullied and of bullying drives the global items, the
forms, safety and wellbeing; follow-ups appear only where the instrument shows them."""

import random
from typing import Any

from haven.surveys.instruments import Instrument, Item

# Where and when (instrument version 2): made-up weights, so that the demo's hotspot grid
# shows a pattern (toilets, the yard and corridors; breaks and lunch).
HOTSPOT_ITEMS = ("unsafe_place", "unsafe_time")
HOTSPOT_WEIGHTS = {"unsafe_place": {2: 4, 3: 3, 4: 6}, "unsafe_time": {2: 6, 3: 3}}


def _clamp(value: float, item: Item) -> int:
    return min(max(round(value), min(item.values)), max(item.values))


def respondent(rng: random.Random, instrument: Instrument) -> dict[str, int]:
    """One pupil's answers to the instrument's closed items."""
    victim = rng.choices(range(5), weights=(56, 26, 8, 6, 4))[0]
    bully = rng.choices(range(5), weights=(72, 18, 5, 3, 2))[0]
    answers: dict[str, Any] = {}
    hotspot_items = []
    for item in instrument.items():
        if not item.closed or not item.shown(answers):
            continue
        if item.code in HOTSPOT_ITEMS:
            hotspot_items.append(item)
            continue
        if not item.required and rng.random() < 0.08:
            continue
        if item.measure == "victim_global":
            value = victim
        elif item.measure == "perp_global":
            value = bully
        elif item.measure in ("victim_form", "perp_form"):
            level = victim if item.measure == "victim_form" else bully
            value = _clamp(level - rng.choice((0, 1, 1, 2, 3, 4)) + (rng.random() < 0.04), item)
        elif item.measure == "gender":
            value = rng.choices(item.values, weights=(48, 48, 2, 2)[: len(item.values)])[0]
        elif item.scale:
            top = max(item.values)
            value = _clamp(rng.gauss(top * 0.75 - 0.3 * victim, 0.8), item)
            if item.reverse:
                value = top + min(item.values) - value
        else:
            value = rng.choice(item.values)
        answers[item.code] = value
    # A generator of their own, so the other answers stay those of version 1 (the benchmark's
    # and the demo's figures do not move with the instrument's version).
    side = random.Random(repr(rng.getstate()[1][-8:]))  # noqa: S311 (not a secret)
    # A pupil who feels safe mostly skips the optional questions.
    if hotspot_items and (victim > 0 or side.random() < 0.4):
        for item in hotspot_items:
            weights = HOTSPOT_WEIGHTS.get(item.code, {})
            answers[item.code] = side.choices(
                item.values, weights=[weights.get(v, 1) for v in item.values]
            )[0]
    return answers
