"""Shared pieces of the API's schemas."""

from collections.abc import Iterable
from typing import Any

from ninja import Schema
from pydantic import ConfigDict, WithJsonSchema


class Input(Schema):
    """A request body: a field the schema does not name is refused (422), not ignored."""

    model_config = ConfigDict(extra="forbid")


def enum(values: Iterable[str], description: str = "") -> WithJsonSchema:
    """The schema of a string whose values are listed, for ``Annotated[str, enum(...)]``.
    The value itself is checked where the rule lives (the service, the intake rules), which
    also words the refusal; the schema only tells a client what it may send or will read."""
    schema: dict[str, Any] = {"type": "string", "enum": sorted(set(values))}
    if description:
        schema["description"] = description
    return WithJsonSchema(schema)
