"""Where something happened: the default places (with their translations) and a school's own."""

import json
from functools import cache
from pathlib import Path

from haven.lib.i18n import pick
from haven.lib.ttlcache import cached
from haven.orgs.models import OrgUnit

DATA = Path(__file__).resolve().parent / "data" / "places.json"


@cache
def default_places() -> list[dict]:
    return json.loads(DATA.read_text(encoding="utf-8"))["places"]


def place_choices(school: OrgUnit) -> list[tuple[str, str]]:
    """(code, label) in the active language; the school's own places before "somewhere else"."""
    defaults = [(p["code"], pick(p["names"])) for p in default_places()]
    own = cached(
        ("places", school.pk), 60, lambda: [(p.code, p.label) for p in school.places.all()]
    )
    return defaults[:-1] + own + defaults[-1:]


def place_codes(school: OrgUnit) -> frozenset[str]:
    """The codes ``place_choices`` offers, whatever the language (for checking input)."""
    return frozenset(code for code, _label in place_choices(school))


def place_label(school: OrgUnit, code: str) -> str:
    return dict(place_choices(school)).get(code, code)
