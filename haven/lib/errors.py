"""Domain errors raised by services; views and the API turn them into translated messages."""

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django import forms
from django.core import validators
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class HavenError(Exception):
    """A refusal the user should read. ``message`` is translatable, never technical."""

    status = 400
    default_message = _("The request could not be completed.")

    def __init__(self, message: str | None = None):
        self.message = message or self.default_message
        super().__init__(str(self.message))


class AccessDenied(HavenError):
    status = 403
    default_message = _("You do not have access to this.")


class NotFound(HavenError):
    status = 404
    default_message = _("Not found, or you do not have access to it.")


class InvalidInput(HavenError):
    status = 422
    default_message = _("Some of the information given is not valid.")


class FieldErrors(InvalidInput):
    """Input refused field by field: ``errors`` maps each field to its messages."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__()
        self.errors = errors


# Django's own wording (translated) for a field missing or of the wrong kind.
REQUIRED = forms.Field.default_error_messages["required"]
INVALID = validators.RegexValidator.message  # "Enter a valid value."


def shape_refusal(errors: Iterable[Mapping[str, Any]], whole: str | Promise) -> InvalidInput:
    """pydantic's refusals of a body of the wrong shape (English, technical) as a translated
    refusal: each field by the last name in its location (``harms`` for ``("harms", 0)``),
    missing or not valid as Django words it; ``whole`` when the body itself is not an object.
    Locations are relative to the body."""
    by_field: dict[str, list[str]] = {}
    for error in errors:
        names: Sequence[Any] = [part for part in error.get("loc", ()) if isinstance(part, str)]
        if not names:
            return InvalidInput(str(whole))
        message = REQUIRED if error.get("type") == "missing" else INVALID
        by_field.setdefault(names[-1], []).append(str(message))
    return FieldErrors(by_field)
