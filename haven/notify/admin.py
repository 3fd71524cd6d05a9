from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from haven.notify.models import Message
from haven.orgs import access
from haven.orgs.access import Perm
from haven.orgs.admin_site import ScopedAdmin, site


@admin.register(Message, site=site)
class MessageAdmin(ScopedAdmin):
    """Read-only, beside the audit log: the outbox is the record of what went to whom."""

    perm_view = Perm.AUDIT_VIEW
    list_display = ["created_at", "kind", "recipient", "channel", "sent_at", "attempts", "unit"]
    list_filter = ["kind", "channel"]
    search_fields = ["address", "kind", "dedupe_key"]
    list_select_related = ["recipient", "unit"]
    date_hierarchy = "created_at"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Message]:
        queryset = super().get_queryset(request)
        if access.is_operator(request.user):
            return queryset
        return queryset.filter(unit__in=access.units(request.user, Perm.AUDIT_VIEW))

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [field.name for field in Message._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
