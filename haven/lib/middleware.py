from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError
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
    """Refuse form values and query strings holding a NUL character, which no person types:
    PostgreSQL cannot store it in text, so it would end as a server error wherever a view
    passes a value on without a form field (Django's form fields refuse it themselves)."""

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
        return self.get_response(request)


def _unreadable(request: HttpRequest) -> HttpResponse:
    """400, as plain text for pages and as the API's problem document under /api/."""
    message = _("Some of the information given is not valid.")
    if request.path.startswith("/api/"):
        problem = {"type": "about:blank", "title": message, "status": 400}
        return JsonResponse(problem, status=400, content_type="application/problem+json")
    return HttpResponse(message, status=400, content_type="text/plain")
