"""Haven's admin site: open to platform operators and to administrators of a subtree.

Django's model permissions are not used: every admin class asks ``haven.orgs.access``,
so an administrator of one county sees and changes only that county's units and people.
"""

from typing import Any

from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from haven.orgs import access
from haven.orgs.access import Perm


class HavenAdminSite(admin.AdminSite):
    site_header = _("Haven administration")
    site_title = _("Haven administration")
    index_title = _("Organisation, people and audit")

    def has_permission(self, request: HttpRequest) -> bool:
        return access.has_anywhere(request.user, Perm.UNIT_MANAGE)

    def login(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        # One way in for everyone: Haven's sign-in with its second factor. The admin's own
        # password form would sign in without it.
        return redirect_to_login(
            request.GET.get("next") or reverse("admin:index"), login_url=reverse("login")
        )


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
