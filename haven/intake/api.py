"""Reports in the JSON API: public submission and follow-up (for other front ends and chat
bots), and the staff's triage endpoints. The same rules and services as the web pages."""

import datetime as dt
from typing import Annotated, Any

import pydantic
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import BaseModel, ConfigDict

from haven.audit.pagination import AuditedPagination
from haven.intake import rules, selectors, services
from haven.intake.models import (
    Affected,
    Channel,
    Harm,
    PublicStatus,
    Report,
    ReporterRole,
    Sender,
    TimeOfDay,
)
from haven.intake.models import Status as ReportStatus
from haven.intake.rules import report_clean
from haven.lib.errors import NotFound, shape_refusal
from haven.lib.schemas import Id, Input, RefId, enum
from haven.orgs.models import OrgUnit
from haven.orgs.types import AuthedRequest
from haven.security.api_auth import staff_auth

router = Router(tags=["reports"])

HarmCode = Annotated[str, enum(Harm.values)]
AffectedCode = Annotated[str, enum(Affected.values, "Who is affected: the reporter or another.")]
RoleCode = Annotated[str, enum(ReporterRole.values, "Who reports.")]
SenderCode = Annotated[str, enum(Sender.values)]
PublicStatusCode = Annotated[str, enum(PublicStatus.values)]


# The public submission's schemas are plain pydantic models: ninja's Schema wraps every
# value for Django objects on the way in and out, a tenth of a report's cost when profiled.
# Shapes only: which answers are required, and what they may say, is rules.report_clean's
# (the schema marks them required from the same rules: _report_schema).
class ReportIn(BaseModel):
    """A report from another front end or a chat bot (the web form's fields)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "school": "SCH-A",
                    "class": "5A",
                    "description": "Older pupils take my lunch money every day by the gate.",
                    "when": "every morning this week",
                    "place": "the school gate",
                    "harms": ["threats", "belongings"],
                    "affected": "me",
                    "reporter_role": "pupil",
                    "submission_token": "3f1c2a9e-form-1",
                }
            ]
        },
    )

    school: str = Field(description="The school's code, as on its poster.")
    class_code: str | None = Field(None, alias="class", description="The class's code, if any.")
    description: str | None = None
    when: str = ""
    time_of_day: Annotated[str, enum(["", *TimeOfDay.values], "When it happened (optional).")] = ""
    place: str = Field("", description="Free text; each school's own places are suggested.")
    harms: list[HarmCode] = []
    affected: AffectedCode | None = None
    reporter_role: RoleCode | None = None
    contact: str = ""
    submission_token: str = Field("", description="Send the same token again to avoid duplicates.")


class PhoneNumber(BaseModel):
    kind: str
    number: str


class ReceiptOut(BaseModel):
    receipt: str = Field(description="Shown once: only a keyed hash of it is stored.")
    status: PublicStatusCode
    emergency_numbers: list[PhoneNumber]


class ReceiptIn(Input):
    receipt: str


class MessageOut(Schema):
    sender: SenderCode
    body: str
    created_at: dt.datetime


class OutcomeOut(Schema):
    text: str = Field(description="The procedure's closing message, in the request's language.")
    note: str = Field(description="The case lead's own words, if any.")


class FollowUpOut(Schema):
    school: str
    status: PublicStatusCode
    created_at: dt.datetime
    messages: list[MessageOut]
    outcome: OutcomeOut | None = Field(None, description="Told once the case is closed.")


class ReporterMessageIn(Input):
    receipt: str
    body: str


def _numbers(school: OrgUnit) -> list[dict[str, str]]:
    return [
        {"kind": item.get("kind", ""), "number": item.get("number", "")}
        for item in school.jurisdiction.phone_numbers
    ]


def _report_schema() -> dict[str, Any]:
    """ReportIn's schema, with the answers the rules require listed as required."""
    schema = ReportIn.model_json_schema()
    names = {"when_text": "when"}  # the rules' names as the API spells them
    required = [names.get(n, n) for n, rule in rules.field_rules().items() if rule.required]
    schema["required"] = sorted({*schema.get("required", []), *required})
    return schema


def _report_in(request: HttpRequest) -> ReportIn:
    """The body as a ReportIn, or a refusal in the reporter's language naming each field, in
    the same problem document as the form's rules (pydantic's own are English only)."""
    try:
        return ReportIn.model_validate_json(request.body)
    except pydantic.ValidationError as exc:
        whole = _("Send the report as one JSON object.")
        raise shape_refusal(exc.errors(include_url=False), whole) from exc


@router.post(
    "",
    response={201: ReceiptOut},
    auth=None,
    summary="Send a report (public)",
    # The body is read by _report_in (no ninja parameter: a tenth of the route's cost).
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": _report_schema()}},
        }
    },
)
def report_create(request: HttpRequest) -> HttpResponse:
    payload = _report_in(request)
    school = selectors.school_by_code(payload.school)
    if school is None:
        raise NotFound()
    class_unit = None
    if payload.class_code:
        class_unit = selectors.class_by_code(school, payload.class_code)
        if class_unit is None:
            raise NotFound()
    clean = report_clean(
        {
            "description": payload.description,
            "when_text": payload.when,
            "time_of_day": payload.time_of_day,
            "place": payload.place,
            "harms": payload.harms,
            "affected": payload.affected,
            "reporter_role": payload.reporter_role,
            "contact": payload.contact,
        },
        school=school,
        channel=Channel.API,
        class_unit=class_unit,
    )
    report, receipt = services.report_submit(
        school=school,
        data=clean,
        language=get_language() or "en",
        submission_token=payload.submission_token,
    )
    # Built as ReceiptOut documents it, and returned as it is: ninja's validation of a response
    # made here from known values was a tenth of the route's own cost.
    body = {
        "receipt": str(receipt),
        "status": str(report.public_status),
        "emergency_numbers": _numbers(school),
    }
    return JsonResponse(body, status=201)


def _followup(report: Report) -> dict[str, Any]:
    return {
        "school": report.school.name,
        "status": report.public_status,
        "created_at": report.created_at,
        "messages": list(report.messages.all()),
        "outcome": selectors.report_outcome(report=report),
    }


@router.post("/follow-up", response=FollowUpOut, auth=None, summary="Read a report by receipt")
def report_followup(request: HttpRequest, payload: ReceiptIn) -> dict[str, Any]:
    return _followup(services.report_find(receipt_text=payload.receipt))


@router.post(
    "/follow-up/messages", response={201: FollowUpOut}, auth=None, summary="Write to the school"
)
def report_followup_write(request: HttpRequest, payload: ReporterMessageIn) -> Status[Any]:
    report = services.report_find(receipt_text=payload.receipt)
    services.report_reporter_write(report=report, body=payload.body)
    return Status(201, _followup(report))


class ReportOut(Schema):
    id: int
    school_id: int
    class_id: int | None = Field(None, alias="class_unit_id")
    channel: Annotated[str, enum(Channel.values)]
    status: Annotated[str, enum(ReportStatus.values)]
    urgent: bool
    harms: list[HarmCode]
    place: str
    when_text: str
    time_of_day: Annotated[str, enum(["", *TimeOfDay.values], "Empty when not told.")]
    description: str
    affected: Annotated[str, enum(["", *Affected.values], "Empty when not told.")]
    reporter_role: Annotated[str, enum(["", *ReporterRole.values], "Empty when not told.")]
    created_at: dt.datetime
    first_response_due: dt.datetime
    first_responded_at: dt.datetime | None


@router.get("", response=list[ReportOut], auth=staff_auth, summary="Inbox (staff)")
@paginate(AuditedPagination, action="report.list")
def report_list(
    request: AuthedRequest,
    status: Annotated[str, enum(["", *ReportStatus.values])] = "",
    harm: Annotated[str, enum(["", *Harm.values])] = "",
    channel: Annotated[str, enum(["", *Channel.values])] = "",
    urgent: bool | None = None,
    school: RefId | None = None,
) -> Any:
    filters = selectors.InboxFilter(
        status=status, harm=harm, channel=channel, urgent=urgent, school=school
    )
    return selectors.report_inbox(user=request.user, filters=filters)


def _get(request: HttpRequest, report_id: int) -> Report:
    return selectors.report_get(user=request.user, pk=report_id)


@router.get("/{report_id}", response=ReportOut, auth=staff_auth, summary="One report (staff)")
def report_detail(request: AuthedRequest, report_id: Id) -> Report:
    with transaction.atomic():  # the read and its audit event together
        report = _get(request, report_id)
        services.report_record_view(actor=request.user, report=report)
    return report


class UrgentIn(Input):
    urgent: bool


class StaffMessageIn(Input):
    body: str
    ask_for_information: bool = False


class MergeIn(Input):
    into: RefId


class DismissIn(Input):
    reason: str


@router.post("/{report_id}/urgent", response=ReportOut, auth=staff_auth)
def report_urgent(request: AuthedRequest, report_id: Id, payload: UrgentIn) -> Report:
    report = _get(request, report_id)
    return services.report_set_urgent(actor=request.user, report=report, urgent=payload.urgent)


@router.post("/{report_id}/messages", response={201: MessageOut}, auth=staff_auth)
def report_message(request: AuthedRequest, report_id: Id, payload: StaffMessageIn) -> Status[Any]:
    report = _get(request, report_id)
    message = services.report_staff_write(
        actor=request.user,
        report=report,
        body=payload.body,
        ask_for_information=payload.ask_for_information,
    )
    return Status(201, message)


@router.post("/{report_id}/merge", response=ReportOut, auth=staff_auth)
def report_merge(request: AuthedRequest, report_id: Id, payload: MergeIn) -> Report:
    report, into = _get(request, report_id), _get(request, payload.into)
    return services.report_merge(actor=request.user, report=report, into=into)


@router.post("/{report_id}/dismiss", response=ReportOut, auth=staff_auth)
def report_dismiss(request: AuthedRequest, report_id: Id, payload: DismissIn) -> Report:
    report = _get(request, report_id)
    return services.report_dismiss(actor=request.user, report=report, reason=payload.reason)
