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
