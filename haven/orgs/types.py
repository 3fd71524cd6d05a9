"""Who acts and who reads, typed once for every app.

Services that write take ``actor: User`` (``User | None`` where the system acts: management
commands, the demo data, the clock). Access rules and selectors take a ``Viewer``:
``request.user`` as Django gives it, which may be anonymous; the rules show an anonymous
viewer nothing. Views behind a login check take an ``AuthedRequest``.
"""

from typing import TypeAlias, TypeGuard

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from haven.orgs.models import User

Viewer: TypeAlias = User | AnonymousUser


class AuthedRequest(HttpRequest):
    """A request past a login check (``login_required``, the API's ``django_auth``): its
    user is a signed-in ``User``. Only views behind such a check may be annotated with it."""

    user: User


def signed_in(user: Viewer | None) -> TypeGuard[User]:
    """True for a signed-in user; the anonymous (and the system, None) read nothing."""
    return bool(getattr(user, "is_authenticated", False))


def acting_user(request: HttpRequest) -> User:
    """The signed-in user of a request Django has already checked (the admin site), where
    the request type cannot say so."""
    if not isinstance(request.user, User):
        raise PermissionDenied
    return request.user


__all__ = ["AuthedRequest", "User", "Viewer", "acting_user", "signed_in"]
