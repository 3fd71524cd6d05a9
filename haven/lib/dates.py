"""Dates written out in words, as each language writes them inside a sentence.

Django's Romanian catalogue capitalises month names ("30 Septembrie 2026"), but Romanian
writes them in lowercase except at the start of a sentence ("30 septembrie 2026"). Pages
write a long date through ``long_date`` (the ``long_date`` template filter) instead of
``|date:"DATE_FORMAT"``: the same locale format, with the month names in the case the
language uses mid-sentence. Numeric formats (``SHORT_DATE_FORMAT``) are left as they are.
"""

import datetime as dt

from django.utils import dateformat, timezone
from django.utils.dates import MONTHS, MONTHS_ALT, MONTHS_AP
from django.utils.formats import get_format
from django.utils.translation import get_language

# Languages of the interface whose month names Django's catalogue capitalises although the
# language writes them in lowercase inside a sentence.
LOWERCASE_MONTHS = frozenset({"ro", "kk"})

# Format characters that write the month's name: full, alternative (genitive), AP style.
_MONTH_NAMES = {"F": MONTHS, "E": MONTHS_ALT, "N": MONTHS_AP}


def _escaped(text: str) -> str:
    return "".join(f"\\{char}" for char in text)


def _lowercase_month_names(fmt: str, month: int) -> str:
    """``fmt`` with its month-name characters replaced by the lowercase name, escaped."""
    out: list[str] = []
    chars = iter(fmt)
    for char in chars:
        if char == "\\":
            out.append(char + next(chars, ""))
        elif char in _MONTH_NAMES:
            out.append(_escaped(str(_MONTH_NAMES[char][month]).lower()))
        else:
            out.append(char)
    return "".join(out)


def long_date(
    value: dt.date | dt.datetime | None, format_name: str = "DATE_FORMAT", lang: str | None = None
) -> str:
    """``value`` in the active language's ``format_name`` (``DATE_FORMAT``,
    ``DATETIME_FORMAT``, ``MONTH_DAY_FORMAT``, ``YEAR_MONTH_FORMAT``...), month names in the
    case used mid-sentence. An aware datetime is shown in the current time zone."""
    if value is None or value == "":
        return ""
    if isinstance(value, dt.datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    fmt = get_format(format_name, lang)
    language = (lang or get_language() or "").lower().split("-")[0]
    if language in LOWERCASE_MONTHS:
        fmt = _lowercase_month_names(fmt, value.month)
    return dateformat.format(value, fmt)
