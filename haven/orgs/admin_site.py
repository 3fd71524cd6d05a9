"""Haven's admin site: open to platform operators and to administrators of a subtree.

Django's model permissions are not used: every admin class asks ``haven.orgs.access``,
so an administrator of one county sees and changes only that county's units and people.
"""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from haven.orgs import access
from haven.orgs.access import Perm


class HavenAdminSite(admin.AdminSite):
    site_header = _("Haven administration")
    site_title = _("Haven administration")
    index_title = _("Organisation, people and audit")

    def has_permission(self, request: HttpRequest) -> bool:
        return access.has_anywhere(request.user, Perm.UNIT_MANAGE)


site = HavenAdminSite(name="admin")


class ScopedAdmin(admin.ModelAdmin[Any]):
    """Permissions from the access module; subclasses say which perm governs them."""

    perm_view: str = Perm.UNIT_MANAGE
    perm_change: str = Perm.UNIT_MANAGE

    def has_module_permission(self, request: HttpRequest) -> bool:
        return access.has_anywhere(request.user, self.perm_view)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return access.has_anywhere(request.user, self.perm_view)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return access.has_anywhere(request.user, self.perm_change)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return access.has_anywhere(request.user, self.perm_change)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
