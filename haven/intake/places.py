"""Where something happened: the default places (with their translations) and a school's own."""

import json
from functools import cache
from pathlib import Path
from typing import Any

from haven.lib.i18n import pick
from haven.lib.ttlcache import cached
from haven.orgs.models import OrgUnit

DATA = Path(__file__).resolve().parent / "data" / "places.json"


@cache
def default_places() -> list[dict[str, Any]]:
    places: list[dict[str, Any]] = json.loads(DATA.read_text(encoding="utf-8"))["places"]
    return places


def _own_places(school: OrgUnit) -> list[tuple[str, str]]:
    return cached(
        ("places", school.pk), 60, lambda: [(p.code, p.label) for p in school.places.all()]
    )


def place_choices(school: OrgUnit) -> list[tuple[str, str]]:
    """(code, label) in the active language; the school's own places before "somewhere else"."""
    defaults = [(p["code"], pick(p["names"])) for p in default_places()]
    return defaults[:-1] + _own_places(school) + defaults[-1:]


@cache
def _default_codes() -> frozenset[str]:
    return frozenset(p["code"] for p in default_places())


def is_place(school: OrgUnit, code: str) -> bool:
    """Whether ``place_choices`` offers ``code``, whatever the language (for checking input;
    every public report asks: no label is translated, and the school's own places are read
    only for a code that is not one of the defaults)."""
    return code in _default_codes() or any(own == code for own, _label in _own_places(school))


def place_label(school: OrgUnit, code: str) -> str:
    return dict(place_choices(school)).get(code, code)
