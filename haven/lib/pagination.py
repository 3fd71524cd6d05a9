"""The API's one pagination: limit and offset, both bounded, so that a huge offset is a 422
and never reaches the database (SQLite's integers stop at 2**63)."""

from django.conf import settings
from ninja import Field, Schema
from ninja.pagination import LimitOffsetPagination

MAX_LIMIT = settings.NINJA_PAGINATION_MAX_LIMIT
MAX_OFFSET = 2**31 - 1


class Pagination(LimitOffsetPagination):
    class Input(Schema):
        limit: int = Field(
            settings.NINJA_PAGINATION_PER_PAGE, ge=1, le=MAX_LIMIT, description="Items per page."
        )
        offset: int = Field(0, ge=0, le=MAX_OFFSET, description="Items to skip.")
