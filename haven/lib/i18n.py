"""Helpers for content that carries its own translations (data, not gettext)."""

from django.utils.translation import get_language


def pick(translations: dict[str, str] | None, language: str | None = None) -> str:
    """The text for ``language`` (default: the active one), else English, else any."""
    if not translations:
        return ""
    language = (language or get_language() or "en").lower()
    for candidate in (language, language.split("-")[0], "en"):
        if translations.get(candidate):
            return translations[candidate]
    return next(iter(translations.values()))


def interface_languages(codes: list[str]) -> list[str]:
    """The codes among ``codes`` that Haven's interface speaks, in their order, as the
    interface spells them ("zh" -> "zh-hans"; "kk" has no interface and is left out)."""
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
