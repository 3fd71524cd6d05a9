"""API pages whose rows are content (reports, cases): which rows went to whom is audited, as
a page view is, in the same transaction as the read."""

from collections import defaultdict
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest

from haven.audit.services import audit_record
from haven.lib.pagination import Pagination


class AuditedPagination(Pagination):
    """Limit/offset pages (the same parameters and schema as ninja's) that record one audit
    event per school on the page, listing the ids the caller received."""

    def __init__(self, *, action: str, **kwargs: Any) -> None:
        self.action = action
        super().__init__(**kwargs)

    def paginate_queryset(
        self, queryset: QuerySet[Any], pagination: Any, request: HttpRequest, **params: Any
    ) -> Any:
        with transaction.atomic():
            result = super().paginate_queryset(queryset, pagination, request, **params)
            items = list(result[self.items_attribute])
            result[self.items_attribute] = items
            by_school: dict[int, list[int]] = defaultdict(list)
            for item in items:
                by_school[item.school_id].append(item.pk)
            if by_school:
                # Each school's event sits under its school, so the audit of a subtree shows it.
                schools = (
                    type(items[0])
                    ._meta.get_field("school")
                    .related_model._default_manager.in_bulk(list(by_school))
                )
                for school_id, ids in by_school.items():
                    audit_record(
                        actor=request.user,  # type: ignore[arg-type]
                        action=self.action,
                        org_unit=schools.get(school_id),
                        details={"ids": ids, "via": "api"},
                    )
        return result
