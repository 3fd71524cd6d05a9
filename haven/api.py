"""The JSON API under /api/v1/, with its OpenAPI schema at /api/v1/openapi.json."""

from typing import Any

from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext_lazy as _
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError

from haven.care.api import router as care_router
from haven.cases.api import router as cases_router
from haven.insights.api import router as insights_router
from haven.intake.api import router as intake_router
from haven.lib.errors import HavenError, InvalidInput, shape_refusal
from haven.orgs.api import router as orgs_router
from haven.prevention.api import router as prevention_router
from haven.reporting.api import router as reporting_router
from haven.security.api_auth import staff_auth
from haven.surveys.api import router as surveys_router


class Problem(Schema):
    """An RFC 7807 problem document: every refusal the API gives has this shape."""

    type: str = "about:blank"
    title: str
    status: int
    errors: dict[str, list[str]] | None = None


PROBLEM_EXAMPLES: dict[int, tuple[str, Any]] = {
    400: ("The request could not be read.", None),
    401: ("Sign in, or send a valid API token (Authorization: Bearer hvn_...).", None),
    403: ("You do not have access to this.", None),
    404: ("Not found, or you do not have access to it.", None),
    409: ("This step is not possible in the case's current state.", None),
    422: ("Some of the information given is not valid.", {"limit": ["Enter a valid value."]}),
    429: ("Too many attempts. Wait a little and try again.", None),
}
PROBLEM_DESCRIPTIONS = {
    400: "The body or query string could not be read (a broken form body, a NUL character).",
    401: "No session and no API token, or a token that is unknown, revoked or expired.",
    403: "The caller may not do this (a read-only token writing, a role without the right).",
    404: "Nothing of this id that the caller may see.",
    409: "The object's state does not allow this (a procedure step, a report already received).",
    422: "The input is not valid; `errors` names each field with its messages.",
    429: "Too many attempts from this caller; try again later.",
}


def refusals(method: str, path: str, operation: dict[str, Any]) -> list[int]:
    """The refusals one operation can answer, from what it takes: a login (401, 403), an id
    in the path or a required one in the query (404), input (400, 422), a write (409), a
    public write (429, throttled)."""
    codes = []
    takes_input = bool(operation.get("parameters") or operation.get("requestBody"))
    if takes_input:
        codes += [400, 422]
    if operation.get("security"):
        codes += [401, 403]
    # An object named in the path, or by a required id in the query (?unit=): not found.
    refers = any(
        p.get("in") == "query" and p.get("required") and p.get("schema", {}).get("minimum") == 1
        for p in operation.get("parameters", [])
    )
    if "{" in path or refers:
        codes.append(404)
    if method == "post":
        codes.append(409)
        if not operation.get("security"):
            codes += [404, 429]  # public: a school or receipt not found, attempts counted
    return sorted(set(codes))


class HavenAPI(NinjaAPI):
    def get_openapi_schema(self, *args: Any, **kwargs: Any) -> Any:
        """ninja's schema, with every refusal each operation can answer documented as the
        problem document it is."""
        schema = super().get_openapi_schema(*args, **kwargs)
        schemas = schema.setdefault("components", {}).setdefault("schemas", {})
        schemas["Problem"] = Problem.model_json_schema()
        for path, operations in schema["paths"].items():
            for method, operation in operations.items():
                for code in refusals(method, path, operation):
                    title, errors = PROBLEM_EXAMPLES[code]
                    example: dict[str, Any] = {"type": "about:blank", "title": title}
                    example["status"] = code
                    if errors:
                        example["errors"] = errors
                    operation["responses"].setdefault(
                        code,
                        {
                            "description": PROBLEM_DESCRIPTIONS[code],
                            "content": {
                                "application/problem+json": {
                                    "schema": {"$ref": "#/components/schemas/Problem"},
                                    "example": example,
                                }
                            },
                        },
                    )
        return schema


api = HavenAPI(
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


class Unauthenticated(HavenError):
    status = 401
    default_message = _("Sign in, or send a valid API token (Authorization: Bearer hvn_...).")


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    """ninja's own refusals as the same translated problem documents: a body that is not
    JSON, no login."""
    if isinstance(exc, AuthenticationError):
        return haven_error(request, Unauthenticated())
    if exc.status_code == 400:  # a body that is not JSON, or not UTF-8
        return haven_error(request, InvalidInput(str(WHOLE_BODY)))
    refusal = HavenError()
    refusal.status = exc.status_code
    return haven_error(request, refusal)


@api.exception_handler(MultiPartParserError)
def form_unreadable(request: HttpRequest, exc: MultiPartParserError) -> HttpResponse:
    """A form body Django cannot parse (multipart without a boundary), met by the session's
    CSRF check: the same refusal as any body that is not one JSON object."""
    return haven_error(request, InvalidInput(str(WHOLE_BODY)))


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


api.add_router("/org-units", orgs_router, auth=staff_auth, tags=["organisation"])
api.add_router("/reports", intake_router)
api.add_router("/cases", cases_router)
api.add_router("/insights", insights_router)
api.add_router("/prevention", prevention_router)
api.add_router("/care", care_router)
api.add_router("/surveys", surveys_router)
api.add_router("/periodic-reports", reporting_router)
