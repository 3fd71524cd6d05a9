"""Whether a report may concern a child in danger now: its kinds of harm and its words.

The words are data, one file per language (``data/urgent/<lang>.yaml``, see its README), read
once per process. Matching ignores case and diacritics and accepts word forms by prefix
("sinucid" matches "sinucidere"); Chinese entries match as substrings. Every language's list
is checked against every report, as a pupil may write in another language than the page's.
"""

import re
import unicodedata
from collections.abc import Iterable
from functools import cache
from pathlib import Path

from haven.intake.models import Harm
from haven.lib.datafile import DataFileError, read_yaml

DATA = Path(__file__).resolve().parent / "data" / "urgent"

# Kinds of harm that may mean a child is in danger now: such reports arrive marked urgent.
URGENT_HARMS: frozenset[str] = frozenset(
    {Harm.SEXUAL, Harm.ADULT, Harm.ABUSE_OUTSIDE, Harm.SELF_HARM, Harm.THREATS, Harm.WEAPONS}
)

# Words between two words of a phrase ("they will REALLY beat").
GAP = 2
WORD = re.compile(r"\w+")


def normalize(text: str) -> str:
    """Lower case without diacritics: "Să Mă" -> "sa ma" (đ, which does not decompose, -> d)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold().replace("đ", "d"))
    if decomposed.isascii():  # nothing to drop: 3 us instead of 20 for a report of 270
        return decomposed
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def _word(raw: str) -> str:
    whole = raw.endswith("$")
    # "m-a" is two words, as in the text.
    parts = [re.escape(part) for part in WORD.findall(raw.rstrip("$"))]
    return r"\W+".join(parts) + (r"\b" if whole else r"\w*")


def _phrase(entry: str) -> str:
    """``entry`` as a pattern: each word the start of a word (or the whole of it with ``$``),
    at most GAP words between two of them."""
    words = [_word(raw) for raw in normalize(entry).split() if WORD.search(raw)]
    gap = r"\W+(?:\w+\W+){0,%s}" % GAP  # noqa: UP031 (braces of the pattern)
    return gap.join(words)


@cache
def pattern() -> re.Pattern[str]:
    """Every language's entries as one pattern (one pass over a report, in C); a broken file
    fails naming itself.

    The phrases share one ``\b`` in front of their alternation, so that each of them starts
    with a letter: the regex engine skips a branch whose first letter differs without entering
    it, and tries none of them inside a word. With ``\b`` in every branch, a report of 340
    characters took 1.24 ms to check (more than the rest of its intake); so, grouped by first
    letter below, 74 us."""
    phrases: list[str] = []
    substrings: list[str] = []
    for path in sorted(DATA.glob("*.yaml")):
        data = read_yaml(path) or {}
        if not isinstance(data, dict) or set(data) - {"phrases", "substrings"}:
            raise DataFileError(path, None, "expected only 'phrases' and 'substrings' lists")
        for entry in data.get("phrases") or []:
            phrase = _phrase(str(entry))
            if not phrase:
                raise DataFileError(path, None, f"empty entry {entry!r}")
            phrases.append(phrase)
        substrings += [re.escape(normalize(str(e))) for e in data.get("substrings") or []]
    # Grouped by first letter, one branch per letter: a word start enters at most one group.
    groups: dict[str, list[str]] = {}
    for phrase in phrases:
        groups.setdefault(phrase[0], []).append(phrase[1:])
    grouped = "|".join(f"{first}(?:{'|'.join(rests)})" for first, rests in groups.items())
    return re.compile("|".join([rf"\b(?:{grouped})", *substrings]))


def urgent_words(text: str) -> bool:
    """Whether ``text`` holds one of the urgent words or phrases of any language."""
    return pattern().search(normalize(text)) is not None


def is_urgent(harms: Iterable[str], description: str) -> bool:
    """A report is urgent when one of its kinds of harm or its words says a child may be in
    danger now."""
    return bool(URGENT_HARMS & set(harms)) or urgent_words(description)
