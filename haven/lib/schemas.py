"""Shared pieces of the API's schemas."""

from collections.abc import Iterable
from typing import Annotated, Any

from ninja import Schema
from ninja.params.functions import Path as PathParam
from pydantic import ConfigDict, Field, WithJsonSchema


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


# Ids are 64-bit in the database: a larger number is refused (422) before it reaches it.
MAX_ID = 2**63 - 1
Id = Annotated[int, PathParam(..., ge=1, le=MAX_ID)]
# The same bound for an id in a body or a query string.
RefId = Annotated[int, Field(ge=1, le=MAX_ID)]
