from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from haven.admin_site import ScopedAdmin, site
from haven.audit.models import AuditEvent
from haven.orgs import access
from haven.orgs.access import Perm


@admin.register(AuditEvent, site=site)
class AuditEventAdmin(ScopedAdmin):
    """Read-only: the log is append-only and nobody edits history, operators included."""

    perm_view = Perm.AUDIT_VIEW
    list_display = ["created_at", "actor_label", "action", "object_repr", "org_unit"]
    list_filter = ["action"]
    search_fields = ["actor_label", "object_repr", "action"]
    list_select_related = ["org_unit"]
    date_hierarchy = "created_at"

    def get_queryset(self, request: HttpRequest) -> QuerySet[AuditEvent]:
        queryset = super().get_queryset(request)
        if access.is_operator(request.user):
            return queryset
        return queryset.filter(org_unit__in=access.units(request.user, Perm.AUDIT_VIEW))

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [field.name for field in AuditEvent._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
