"""The JSON API under /api/v1/, with its OpenAPI schema at /api/v1/openapi.json."""

from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from ninja import NinjaAPI, Schema
from ninja.errors import HttpError, ValidationError
from ninja.security import django_auth

from haven.cases.api import router as cases_router
from haven.insights.api import router as insights_router
from haven.intake.api import router as intake_router
from haven.lib.errors import HavenError, InvalidInput, shape_refusal
from haven.orgs.api import router as orgs_router
from haven.reporting.api import router as reporting_router

api = NinjaAPI(
    title="Haven API",
    version="1",
    description="School safety: reports, cases, prevention, surveys and upward reporting.",
    urls_namespace="api-v1",
)


@api.exception_handler(HavenError)
def haven_error(request: HttpRequest, exc: HavenError) -> HttpResponse:
    """Domain errors as RFC 7807 problem documents, in the request's language."""
    problem: dict[str, object] = {
        "type": "about:blank",
        "title": str(exc.message),
        "status": exc.status,
    }
    if getattr(exc, "errors", None):
        problem["errors"] = exc.errors  # type: ignore[attr-defined]
    response = api.create_response(request, problem, status=exc.status)
    response["Content-Type"] = "application/problem+json"
    return response


WHOLE_BODY = _("Send the request as one JSON object.")


@api.exception_handler(ValidationError)
def wrong_shape(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    """django-ninja's refusals of a body or parameters of the wrong shape (English, with
    pydantic's wording) as the same translated problem document, field by field."""
    # ninja's locations start with the source, and a body's with the parameter's name too.
    relative = [
        {**error, "loc": tuple(error["loc"])[2 if tuple(error["loc"][:1]) == ("body",) else 1 :]}
        for error in exc.errors
    ]
    return haven_error(request, shape_refusal(relative, WHOLE_BODY))


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    """A body that is not JSON, translated; ninja's other errors as ninja answers them."""
    if exc.status_code == 400 and isinstance(exc.__cause__, ValueError):  # JSON or UTF-8
        return haven_error(request, InvalidInput(str(WHOLE_BODY)))
    return api.create_response(request, {"detail": str(exc)}, status=exc.status_code)


class HealthOut(Schema):
    status: str
    database: str


@api.get("/health", response=HealthOut, tags=["system"], auth=None)
def health(request: HttpRequest) -> dict[str, str]:
    """Liveness and database reachability, for load balancers."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {"status": "ok", "database": connection.vendor}


api.add_router("/org-units", orgs_router, auth=django_auth, tags=["organisation"])
api.add_router("/reports", intake_router)
api.add_router("/cases", cases_router)
api.add_router("/insights", insights_router)
api.add_router("/periodic-reports", reporting_router)
