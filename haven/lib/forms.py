"""Parsing ids sent in forms, so that no value a browser can send becomes a server error."""

from typing import Any, TypeVar

from django import forms
from django.core.exceptions import ValidationError
from django.db import models

# Ids are 64-bit integers on every database; SQLite raises OverflowError on a larger one.
LARGEST_ID = 2**63 - 1

M = TypeVar("M", bound=models.Model)


def parse_id(value: Any) -> int | None:
    """``value`` as a row id, or None when it cannot be one. Only ASCII digits: ``int()`` also
    reads " 7", "7_0" and other scripts' digits, and ``str.isdigit`` admits "²", which
    ``int()`` then refuses."""
    text = str(value or "")
    if not (text.isascii() and text.isdigit()):
        return None
    number = int(text)
    return number if 0 < number <= LARGEST_ID else None


class ModelMultipleChoiceField(forms.ModelMultipleChoiceField[M]):
    """Django's, but an id too large for the database is refused as a wrong choice (Django
    looks the ids up with ``pk__in``, where SQLite raises OverflowError: a 500)."""

    def clean(self, value: Any) -> Any:
        for pk in value if isinstance(value, list | tuple) else []:
            try:
                number = int(pk)
            except (TypeError, ValueError):
                continue  # not a number: Django refuses it itself
            if abs(number) > LARGEST_ID:
                raise ValidationError(
                    self.error_messages["invalid_choice"],
                    code="invalid_choice",
                    params={"value": pk},
                )
        return super().clean(value)
