import json
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.middleware import csrf
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _


class RequestSizeLimitMiddleware:
    """Refuse oversize bodies from their Content-Length, before anything reads them."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.HAVEN_MAX_REQUEST_BYTES:
            return HttpResponse(
                _("What you sent is too large."), status=413, content_type="text/plain"
            )
        return self.get_response(request)


FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


class NullCharacterMiddleware:
    """Refuse form values, query strings and JSON bodies holding a NUL character, which no
    person types: PostgreSQL cannot store it in text, so it would end as a server error
    wherever a value is passed on without a form field (Django's form fields refuse it
    themselves; the API's schemas do not)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        sent = [request.GET]
        try:
            if request.method == "POST" and request.content_type in FORM_TYPES:
                sent.append(request.POST)
        except MultiPartParserError:  # a multipart body without a boundary, say
            return _unreadable(request)
        for values in sent:
            for key, items in values.lists():
                if "\x00" in key or any("\x00" in item for item in items):
                    return _unreadable(request)
        # JSON writes a NUL as \u0000: only a body holding that is parsed here to be sure.
        if request.content_type == "application/json" and b"\\u0000" in request.body:
            try:
                if _holds_nul(json.loads(request.body)):
                    return _unreadable(request)
            except ValueError:
                pass  # not JSON: the view's own parsing refuses it
        return self.get_response(request)


def _holds_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_holds_nul(k) or _holds_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_holds_nul(item) for item in value)
    return False


class SecurityHeadersMiddleware:
    """Headers Django 5.2 does not set itself: a Content-Security-Policy that allows no inline
    script (htmx is configured not to evaluate code nor inject styles), no referrer at all
    from the public reporting pages (a school's address or a receipt page must not travel
    anywhere), and no caching of pages about reports and cases (a shared computer's browser
    must not keep them). A response that sets its own header (a stored file's sandbox) keeps
    it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = settings.HAVEN_CSP
        if is_public(request.path_info):
            response["Referrer-Policy"] = "no-referrer"
        match = request.resolver_match
        namespace = match.namespace if match is not None else ""
        if is_public(request.path_info) or namespace in settings.HAVEN_NO_STORE_NAMESPACES:
            patch_cache_control(response, no_store=True)  # keeps what the view set
        return response


def is_public(path: str) -> bool:
    """The pages reporters use without an account (report form, follow-up, survey)."""
    return path.startswith(tuple(settings.HAVEN_PUBLIC_PATHS))


IDLE_KEY = "_haven_last_seen"
SET_LANGUAGE_PATH = "/i18n/setlang/"


@receiver(user_logged_in)
def _idle_clock_starts(sender: Any, request: HttpRequest | None = None, **kwargs: Any) -> None:
    # Set at sign-in, so the first pages after it do not write the session again.
    session = getattr(request, "session", None)
    if session is not None:
        session[IDLE_KEY] = int(time.time())


class IdleSessionMiddleware:
    """A staff session ends after ``HAVEN_SESSION_IDLE_MINUTES`` without a request: a
    computer left open in a staff room must not stay signed in. (The reporter's follow-up
    has no account session; it keeps its own receipt rules.)"""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = int(time.time())
            last = request.session.get(IDLE_KEY)
            if isinstance(last, int) and now - last > settings.HAVEN_SESSION_IDLE_MINUTES * 60:
                logout(request)  # flushes the session; the view asks for a sign-in again
            elif not isinstance(last, int) or now - last >= 60:
                # Written at most once a minute: not a session save on every request.
                request.session[IDLE_KEY] = now
        return self.get_response(request)


class CsrfViewMiddleware(csrf.CsrfViewMiddleware):
    """Django's CSRF check, with one allowance: the public reporting pages send no referrer,
    so a browser posts their forms with ``Origin: null`` (the Fetch standard's rule for
    ``no-referrer``). There the origin check is skipped and the token check still decides.
    Those pages act on no account, so a forged post could do nothing a stranger cannot."""

    def _origin_verified(self, request: HttpRequest) -> bool:
        path = request.path_info
        # The language switch is posted from those pages too.
        if request.META.get("HTTP_ORIGIN") == "null" and (
            is_public(path) or path.startswith(SET_LANGUAGE_PATH)
        ):
            return True
        return bool(super()._origin_verified(request))  # type: ignore[misc]


def _unreadable(request: HttpRequest) -> HttpResponse:
    """400, as plain text for pages and as the API's problem document under /api/."""
    message = _("Some of the information given is not valid.")
    if request.path.startswith("/api/"):
        problem = {"type": "about:blank", "title": message, "status": 400}
        return JsonResponse(problem, status=400, content_type="application/problem+json")
    return HttpResponse(message, status=400, content_type="text/plain")
