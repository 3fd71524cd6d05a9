"""Who may call the API: a personal token (``Authorization: Bearer hvn_...``) or the browser
session, in that order. A token request carries no cookie, so it needs no CSRF token; the
session keeps django-ninja's CSRF check."""

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja.security import HttpBearer, django_auth

from haven.lib.errors import AccessDenied, HavenError
from haven.security.models import ApiToken
from haven.security.services import api_token_authenticate

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class TokenInvalid(HavenError):
    status = 401
    default_message = _("The API token is not valid: it is unknown, revoked or expired.")


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> ApiToken:
        found = api_token_authenticate(secret=token.strip())
        if found is None:
            # A wrong token is refused, not passed on to the session: the caller meant it.
            raise TokenInvalid()
        if found.scope == ApiToken.Scope.READ and request.method not in SAFE_METHODS:
            raise AccessDenied(str(_("This API token may only read.")))
        request.user = found.user
        return found


token_auth = TokenAuth()
# Every staff endpoint's ``auth``: a token first, else the session.
staff_auth: list[Any] = [token_auth, django_auth]
