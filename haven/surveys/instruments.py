"""Survey instruments as versioned data files, validated on load.

An instrument file (``data/instruments/<code>.yaml``) holds pages of items, the answer scales
they use, the scales (scores) items belong to and what each item measures, with every text in
all seven languages. A file that does not validate is refused with its name and line, as
procedure files are. Earlier versions live on in ``data/instruments/versions/<code>.v<n>.yaml``:
a campaign keeps the version it started with.

A school may add its own questions to a campaign (stored on the campaign, shown after the
instrument). They are checked by :func:`school_questions` with the same rules, in the
languages the school wrote them in.
"""

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from haven.intake.places import default_places
from haven.lib.datafile import ALL_LANGUAGES, DataFileError, Reader, read_yaml
from haven.lib.i18n import pick

DATA = Path(__file__).resolve().parent / "data" / "instruments"
VERSIONS = DATA / "versions"
# Pupils answer in any interface language, Kazakh included: an instrument gives all seven.
LANGUAGES = ALL_LANGUAGES
# What statistics read from an item; each key at most once, except the two form keys.
MEASURES = {
    "grade_band",
    "gender",
    "victim_global",
    "perp_global",
    "victim_form",
    "perp_form",
    "power_imbalance",
    "told_adult",
    "it_stopped",
}
SINGLE_MEASURES = MEASURES - {"victim_form", "perp_form"}
FORMS = (
    "verbal",
    "exclusion",
    "rumours",
    "physical",
    "belongings",
    "threats",
    "identity",
    "sexual",
    "online",
)
KINDS = {"choice", "text"}
# The option set that lists the school's places: the default ones here (value = position in
# intake's list + 1); ``surveys.hotspots.with_school_places`` adds the school's own.
PLACES = "school_places"
SCHOOL_QUESTIONS_MAX = 10
SCHOOL_TEXT_MAX = 500


class InstrumentFileError(DataFileError):
    pass


@dataclass(frozen=True)
class Option:
    value: int
    labels: dict[str, str]

    @property
    def label(self) -> str:
        return pick(self.labels)


@dataclass(frozen=True)
class ShowIf:
    """Shown when one of ``any_of`` (earlier items) was answered ``at_least``."""

    any_of: tuple[str, ...]
    at_least: int

    def holds(self, answers: dict[str, Any]) -> bool:
        return any(
            isinstance(answers.get(code), int) and answers[code] >= self.at_least
            for code in self.any_of
        )


@dataclass(frozen=True)
class Item:
    code: str
    texts: dict[str, str]
    kind: str = "choice"  # "choice" (closed, one of options) or "text" (open, never published)
    options: tuple[Option, ...] = ()
    required: bool = True
    scale: str = ""
    reverse: bool = False
    measure: str = ""
    form: str = ""
    show_if: ShowIf | None = None
    places: bool = False  # the options are the school's places (see PLACES)

    @property
    def text(self) -> str:
        return pick(self.texts)

    @property
    def closed(self) -> bool:
        return self.kind == "choice"

    @cached_property
    def values(self) -> list[int]:
        # Scoring reads this for every answer of every pupil: built once per item.
        return [option.value for option in self.options]

    @property
    def top(self) -> int:
        """The highest answer value (for reverse-coding)."""
        return max(self.values) if self.options else 0

    def shown(self, answers: dict[str, Any]) -> bool:
        return self.show_if is None or self.show_if.holds(answers)

    def valid(self, value: Any) -> bool:
        """Is ``value`` an answer this item accepts (tampered values are not)?"""
        if self.closed:
            return isinstance(value, int) and not isinstance(value, bool) and value in self.values
        return isinstance(value, str) and len(value) <= SCHOOL_TEXT_MAX


@dataclass(frozen=True)
class Page:
    code: str
    titles: dict[str, str]
    intros: dict[str, str]
    items: tuple[Item, ...]

    @property
    def title(self) -> str:
        return pick(self.titles)

    @property
    def intro(self) -> str:
        return pick(self.intros)


@dataclass(frozen=True)
class Scale:
    code: str
    names: dict[str, str]

    @property
    def name(self) -> str:
        return pick(self.names)


@dataclass(eq=False)
class Instrument:
    code: str
    version: int
    names: dict[str, str]
    licence: str
    pages: list[Page] = field(default_factory=list)
    scales: list[Scale] = field(default_factory=list)

    @property
    def name(self) -> str:
        return pick(self.names)

    def items(self) -> list[Item]:
        return list(self._index()[0])

    def _index(self) -> tuple[tuple[Item, ...], dict[str, Item]]:
        """Items in order and by code, built once (scoring asks for them per answer); pages
        are only added while the file loads, so their count tells a stale index."""
        cached = self.__dict__.get("_item_index")
        if cached is None or cached[0] != len(self.pages):
            items = tuple(item for page in self.pages for item in page.items)
            cached = (len(self.pages), items, {item.code: item for item in items})
            self.__dict__["_item_index"] = cached
        return cached[1], cached[2]

    def item(self, code: str) -> Item | None:
        return self._index()[1].get(code)

    def scale_items(self, scale: str) -> list[Item]:
        return [item for item in self._index()[0] if item.scale == scale]

    def measure_items(self, measure: str) -> list[Item]:
        return [item for item in self._index()[0] if item.measure == measure]


class _Reader(Reader):
    error = InstrumentFileError
    languages = LANGUAGES

    def unique(self, node: Any, what: str, codes: list[str]) -> None:
        seen: set[str] = set()
        for code in codes:
            if code in seen:
                raise self.fail(node, f"{what}: code {code!r} is used twice")
            seen.add(code)

    def options(self, node: Any, key: str, languages: tuple[str, ...]) -> tuple[Option, ...]:
        raw = self.get(node, key, list)
        if len(raw) < 2:
            raise self.fail(node, f"{key} needs at least two options")
        options = []
        for entry in raw:
            options.append(
                Option(
                    value=self.get(entry, "value", int),
                    labels=self.texts(entry, "label", languages=languages),
                )
            )
        values = [option.value for option in options]
        if values != sorted(set(values)):
            raise self.fail(node, f"{key}: option values must be distinct and ascending")
        return tuple(options)


def _show_if(r: _Reader, node: Any, earlier: dict[str, Item]) -> ShowIf | None:
    raw = r.get(node, "show_if", dict, required=False)
    if raw is None:
        return None
    if set(raw) != {"any_of", "at_least"}:
        raise r.fail(raw, "show_if must give exactly any_of (a list of items) and at_least")
    codes = r.get(raw, "any_of", list)
    at_least = r.get(raw, "at_least", int)
    if not codes:
        raise r.fail(raw, "show_if: any_of is empty")
    for code in codes:
        target = earlier.get(str(code))
        if target is None:
            raise r.fail(raw, f"show_if: {code!r} is not an item asked before this one")
        if not target.closed:
            raise r.fail(raw, f"show_if: {code!r} is an open question")
        if at_least not in target.values:
            raise r.fail(raw, f"show_if: {at_least} is not an answer of {code!r}")
    return ShowIf(any_of=tuple(str(c) for c in codes), at_least=at_least)


def _item(
    r: _Reader,
    node: Any,
    *,
    option_sets: dict[str, tuple[Option, ...]],
    scales: set[str],
    earlier: dict[str, Item],
    languages: tuple[str, ...] = LANGUAGES,
    school: bool = False,
) -> Item:
    code = r.get(node, "code", str)
    kind = r.get(node, "kind", str, required=False) or "choice"
    if kind not in KINDS:
        raise r.fail(node, f"kind must be one of {sorted(KINDS)}")
    options: tuple[Option, ...] = ()
    places = False
    if kind == "choice":
        ref = r.get(node, "options", (str, list))
        if ref == PLACES and not school:
            options, places = default_place_options(), True
        elif isinstance(ref, list):
            options = r.options(node, "options", languages)
        elif ref not in option_sets:
            raise r.fail(node, f"unknown option set {ref!r}; sets are {sorted(option_sets)}")
        else:
            options = option_sets[ref]
    scale = r.get(node, "scale", str, required=False) or ""
    measure = r.get(node, "measure", str, required=False) or ""
    form = r.get(node, "form", str, required=False) or ""
    if school and (scale or measure or form):
        raise r.fail(node, "a school's own question cannot belong to a scale or a measure")
    if scale and scale not in scales:
        raise r.fail(node, f"unknown scale {scale!r}; scales are {sorted(scales)}")
    if measure and measure not in MEASURES:
        raise r.fail(node, f"unknown measure {measure!r}; measures are {sorted(MEASURES)}")
    if measure in ("victim_form", "perp_form") and form not in FORMS:
        raise r.fail(node, f"a {measure} item needs a form, one of {list(FORMS)}")
    if form and measure not in ("victim_form", "perp_form"):
        raise r.fail(node, "form is only for victim_form and perp_form items")
    if (scale or measure) and kind != "choice":
        raise r.fail(node, "only closed questions can belong to a scale or a measure")
    return Item(
        code=code,
        texts=r.texts(node, "text", languages=languages),
        kind=kind,
        options=options,
        required=bool(r.get(node, "required", bool, required=False) is not False),
        scale=scale,
        reverse=bool(r.get(node, "reverse", bool, required=False)),
        measure=measure,
        form=form,
        show_if=_show_if(r, node, earlier),
        places=places,
    )


def default_place_options() -> tuple[Option, ...]:
    return tuple(
        Option(value=number, labels=dict(place["names"]))
        for number, place in enumerate(default_places(), start=1)
    )


def load_file(path: Path, code: str | None = None) -> Instrument:
    root = read_yaml(path, InstrumentFileError)
    r = _Reader(path)
    found = r.get(root, "code", str)
    expected = code or path.stem.split(".v")[0]
    if found != expected:
        raise r.fail(root, f"the file of instrument {found!r} must be named {found}.yaml")
    instrument = Instrument(
        code=found,
        version=r.get(root, "version", int),
        names=r.texts(root, "name"),
        licence=r.get(root, "licence", str),
    )
    option_sets: dict[str, tuple[Option, ...]] = {}
    for key in r.get(root, "option_sets", dict):
        if key == PLACES:
            raise r.fail(root["option_sets"], f"{PLACES} is the school's place list, not a set")
        option_sets[str(key)] = r.options(root["option_sets"], key, LANGUAGES)
    for node in r.get(root, "scales", list, required=False) or []:
        instrument.scales.append(Scale(code=r.get(node, "code", str), names=r.texts(node, "name")))
    r.unique(root, "scales", [s.code for s in instrument.scales])
    scales = {s.code for s in instrument.scales}

    earlier: dict[str, Item] = {}
    for node in r.get(root, "pages", list):
        items = []
        for item_node in r.get(node, "items", list):
            item = _item(r, item_node, option_sets=option_sets, scales=scales, earlier=earlier)
            if item.code in earlier:
                raise r.fail(item_node, f"items: code {item.code!r} is used twice")
            earlier[item.code] = item
            items.append(item)
        instrument.pages.append(
            Page(
                code=r.get(node, "code", str),
                titles=r.texts(node, "title"),
                intros=r.texts(node, "intro", required=False),
                items=tuple(items),
            )
        )
    r.unique(root, "pages", [p.code for p in instrument.pages])
    if not instrument.pages:
        raise r.fail(root, "an instrument needs at least one page")
    for measure in SINGLE_MEASURES:
        if len(instrument.measure_items(measure)) > 1:
            raise r.fail(root, f"measure {measure!r} is given by more than one item")
    for scale in scales:
        if len(instrument.scale_items(scale)) < 2:
            raise r.fail(root, f"scale {scale!r} needs at least two items")
    return instrument


_CACHE: dict[tuple[str, int | None], Instrument] = {}
DEFAULT = "haven-open-1"


def get(code: str = DEFAULT, version: int | None = None) -> Instrument:
    """The instrument ``code``: its current version, or an earlier ``version`` (read once)."""
    key = (code, version)
    if key not in _CACHE:
        path = DATA / f"{code}.yaml"
        if "/" in code or not path.exists():
            raise InstrumentFileError(path, None, "no such instrument file")
        current = load_file(path, code=code)
        if version is None or current.version == version:
            _CACHE[key] = current
        else:
            older_path = VERSIONS / f"{code}.v{version}.yaml"
            if not older_path.exists():
                raise InstrumentFileError(older_path, None, "no such instrument version")
            older = load_file(older_path, code=code)
            if older.version != version:
                raise InstrumentFileError(older_path, None, f"holds version {older.version}")
            _CACHE[key] = older
    return _CACHE[key]


def available() -> list[Instrument]:
    """Every current instrument, validated."""
    return [get(path.stem) for path in sorted(DATA.glob("*.yaml"))]


def school_questions(raw: Any, languages: tuple[str, ...] = ("en",)) -> list[Item]:
    """A school's own questions for a campaign (a list as stored on the campaign), checked:
    each a ``choice`` with its own options or an open ``text``, in ``languages`` at least.
    Codes are prefixed ``school_`` so they never clash with the instrument's."""
    r = _Reader("school questions")
    if not isinstance(raw, list) or len(raw) > SCHOOL_QUESTIONS_MAX:
        raise r.fail(raw, f"a list of at most {SCHOOL_QUESTIONS_MAX} questions")
    items: list[Item] = []
    for node in raw:
        item = _item(
            r,
            node,
            option_sets={},
            scales=set(),
            earlier={},
            languages=languages,
            school=True,
        )
        if not item.code.startswith("school_"):
            raise r.fail(node, "a school's question code starts with school_")
        if item.show_if is not None:
            raise r.fail(node, "a school's question cannot use show_if")
        if not item.texts or any(not option.labels for option in item.options):
            raise r.fail(node, "a school's question and each of its options need a text")
        items.append(item)
    r.unique(raw, "school questions", [item.code for item in items])
    return items
