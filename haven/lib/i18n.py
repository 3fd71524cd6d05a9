"""Helpers for content that carries its own translations (data, not gettext)."""

from collections.abc import Callable
from typing import Any

from django.utils.translation import get_language

# A language whose readers also read another, for data texts not yet translated into it:
# Kazakhstan's schools work in Kazakh and Russian (lib.datafile.OPTIONAL_LANGUAGES).
FALLBACK = {"kk": "ru"}


def pick(translations: dict[str, str] | None, language: str | None = None) -> str:
    """The text for ``language`` (default: the active one), else its fallback language,
    else English, else any."""
    if not translations:
        return ""
    language = (language or get_language() or "en").lower()
    base = language.split("-")[0]
    for candidate in (language, base, FALLBACK.get(base, "en"), "en"):
        if translations.get(candidate):
            return translations[candidate]
    return next(iter(translations.values()))


def interface_languages(codes: list[str]) -> list[str]:
    """The codes among ``codes`` that Haven's interface speaks, in their order, as the
    interface spells them ("zh" -> "zh-hans"; a code Haven's interface lacks is left out)."""
    from django.utils.translation import get_supported_language_variant

    found: list[str] = []
    for code in codes:
        try:
            variant = get_supported_language_variant(str(code).lower())
        except LookupError:
            continue
        if variant not in found:
            found.append(variant)
    return found


def language_for(stored: str, jurisdiction_languages: list[str]) -> str:
    """The language to write to a person in: their stored one, else the first of their
    jurisdiction's languages that Haven speaks, else the site's default."""
    if stored:
        return stored
    from django.conf import settings

    spoken = interface_languages(jurisdiction_languages)
    return spoken[0] if spoken else settings.LANGUAGE_CODE


def _spoken(code: str) -> str | None:
    """The interface's spelling of ``code``, or None when Haven's interface lacks it."""
    from django.utils.translation import get_supported_language_variant

    try:
        return get_supported_language_variant(code.lower())
    except LookupError:
        return None


def language_chosen(request: Any, carried: str = "") -> str | None:
    """A language the person chose: one a page carried along (the survey's buttons), the
    address's prefix, or the switcher's cookie. None when nobody chose."""
    from django.conf import settings
    from django.utils.translation import get_language_from_path

    for code in (
        carried,
        get_language_from_path(request.path_info) or "",
        request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, ""),
    ):
        if code and code in dict(settings.LANGUAGES):
            return str(code)
    return None


def public_language(
    request: Any, school_languages: "list[str] | Callable[[], list[str]]", carried: str = ""
) -> str:
    """The language of a public page (report form, follow-up, survey) once its school is
    known, chosen here only: a choice the person made; else the browser's first language
    when Haven speaks it; else, when the browser's first language is one Haven lacks
    (Hungarian, German, Turkish), the school's first interface language rather than English,
    which a pupil is less likely to read. A request naming no language (a bot, the test
    client) keeps Django's choice. ``school_languages`` may be a function, read only when
    needed (the survey's pages do not otherwise load the school)."""
    from django.utils.translation import get_language
    from django.utils.translation.trans_real import parse_accept_lang_header

    chosen = language_chosen(request, carried)
    if chosen:
        return chosen
    current = get_language() or "en"
    ranked = parse_accept_lang_header(request.META.get("HTTP_ACCEPT_LANGUAGE", ""))
    if not ranked:
        return current
    first = str(ranked[0][0])
    if first != "*" and (spoken := _spoken(first)):
        return spoken
    codes = school_languages() if callable(school_languages) else school_languages
    school = interface_languages(codes)
    return school[0] if school else current


def public_language_activate(
    request: Any, school_languages: "list[str] | Callable[[], list[str]]", carried: str = ""
) -> str:
    """Activates ``public_language`` for the rest of the request (its page and the
    Content-Language header that LocaleMiddleware sets from it)."""
    from django.utils import translation

    language = public_language(request, school_languages, carried)
    translation.activate(language)
    request.LANGUAGE_CODE = language
    return language
