"""Refusals that belong to one field of the form that sent the input.

A service still decides what is valid; naming the field lets the page put the message beside
what the user typed instead of only above the form.
"""

from typing import Any

from haven.lib.errors import InvalidInput


class InvalidField(InvalidInput):
    """Invalid input about one field (a form field's name, as the services' keyword)."""

    def __init__(self, message: Any, *, field: str):
        super().__init__(message)
        self.field = field


def add_refusal(form: Any, exc: Exception) -> None:
    """Put a service's refusal on ``form``: beside its field when it names one of the
    form's fields, otherwise above the form."""
    message = str(getattr(exc, "message", exc))
    field = getattr(exc, "field", None)
    form.add_error(field if field in form.fields else None, message)
