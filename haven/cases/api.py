"""Cases in the JSON API: the same selectors and services, so the same rules, as the pages."""

import datetime as dt
from typing import Annotated, Any, Literal

from django.db import transaction
from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import ConfigDict

from haven.audit.pagination import AuditedPagination
from haven.cases import access as case_access
from haven.cases import selectors, services
from haven.cases.models import Case, Referral
from haven.intake import selectors as intake_selectors
from haven.intake import services as intake_services
from haven.intake.models import ReportMessage, Sender
from haven.lib.schemas import Id, Input, RefId, enum
from haven.orgs.types import AuthedRequest
from haven.procedures.loader import every_version
from haven.security.api_auth import staff_auth

router = Router(tags=["cases"], auth=staff_auth)

# The codes every procedure file (and each kept earlier version) uses: finite, so listed.
_PROCEDURES = every_version()
StateCode = Annotated[str, enum({s.code for p in _PROCEDURES for s in p.states})]
StepCode = Annotated[
    str,
    enum(
        {t.code for p in _PROCEDURES for t in p.transitions},
        "A step of the case's procedure by its code; `next_steps` of the case lists those open.",
    ),
]
CaseType = Annotated[str, enum({"", *(n.code for p in _PROCEDURES for n in p.case_types)})]
Severity = Annotated[str, enum({"", *(n.code for p in _PROCEDURES for n in p.severities)})]
Determination = Annotated[str, enum({"", *(n.code for p in _PROCEDURES for n in p.determinations)})]
ReferralKind = Annotated[str, enum({n.code for p in _PROCEDURES for n in p.referrals})]
ReferralStatus = Annotated[str, enum(Referral.Status.values)]


class CaseOut(Schema):
    id: int
    school_id: int
    title: str
    procedure_code: Annotated[str, enum({p.code for p in _PROCEDURES})]
    procedure_version: int
    state: StateCode
    case_type: CaseType
    severity: Severity
    determination: Determination
    opened_at: dt.datetime
    closed_at: dt.datetime | None
    escalated_at: dt.datetime | None


class CaseDetailOut(CaseOut):
    narrative: str
    determination_reason: str
    next_steps: list[StepCode]


class EventOut(Schema):
    kind: str
    created_at: dt.datetime
    actor_id: int | None
    details: dict[str, Any]


class TimerOut(Schema):
    code: str
    name: str
    kind: Literal["step", "notification"]
    notification: str | None
    notifications: list[str] = Field(
        description="Codes of the notifications whose recording, with proof, meets this "
        "deadline: a notification's own, or those a step's timer waits for."
    )
    due_at: dt.datetime
    remind_at: dt.datetime | None
    stopped_at: dt.datetime | None
    escalated_at: dt.datetime | None
    overdue: bool
    source: str = Field(description="The law and article the deadline comes from.")
    default: bool = Field(description="A Haven default, not confirmed in the official text.")


class StepIn(Input):
    model_config = ConfigDict(json_schema_extra={"examples": [{"step": "assess"}]})

    step: StepCode
    # For a body's decision (China's bullying committee): who of it took part.
    members_present: str = ""
    # Codes of the statements the step asks to confirm (the Dutch meldcode's questions).
    confirmed: list[str] = []


class ReferralOut(Schema):
    id: int
    case_id: int
    kind: ReferralKind
    agency_id: int
    message: str
    status: ReferralStatus
    answer: str
    sent_at: dt.datetime


class ReferralAnswerIn(Input):
    status: ReferralStatus
    answer: str = ""


@router.get("", response=list[CaseOut], summary="Cases the caller may see")
@paginate(AuditedPagination, action="case.list")
def case_list(request: AuthedRequest, open_only: bool = False) -> Any:
    return selectors.case_list(user=request.user, open_only=open_only)


def _detail(request: HttpRequest, case: Case) -> dict[str, Any]:
    procedure = services.procedure_of(case)
    roles = case_access.case_roles(request.user, case)
    data = CaseOut.from_orm(case).dict()
    everything = case_access.case_sees_everything(request.user, case)
    data.update(
        narrative=case.narrative if everything else "",
        determination_reason=case.determination_reason if everything else "",
        next_steps=[t.code for t in procedure.transitions_from(case.state) if t.roles & roles]
        if case.closed_at is None
        else [],
    )
    return data


@router.get("/{case_id}", response=CaseDetailOut, summary="One case")
def case_detail(request: AuthedRequest, case_id: Id) -> dict[str, Any]:
    with transaction.atomic():  # the read and its audit event together
        case = selectors.case_get(user=request.user, pk=case_id)
        services.case_record_view(actor=request.user, case=case)
        return _detail(request, case)


@router.get("/{case_id}/timeline", response=list[EventOut], summary="The case's timeline")
def case_timeline(request: AuthedRequest, case_id: Id) -> Any:
    case = selectors.case_get(user=request.user, pk=case_id)
    if not case_access.case_sees_everything(request.user, case):
        return []
    return selectors.case_timeline(case=case)


@router.get(
    "/{case_id}/deadlines",
    response=list[TimerOut],
    summary="The case's deadlines: its steps' and its mandatory notifications'",
)
def case_deadlines(request: AuthedRequest, case_id: Id) -> Any:
    case = selectors.case_get(user=request.user, pk=case_id)
    return selectors.case_deadlines(case=case, procedure=services.procedure_of(case))


@router.post("/{case_id}/steps", response=CaseDetailOut, summary="Take a procedure step")
def case_step(request: AuthedRequest, case_id: Id, payload: StepIn) -> dict[str, Any]:
    case = selectors.case_get(user=request.user, pk=case_id)
    case = services.case_transition(
        actor=request.user,
        case=case,
        code=payload.step,
        members_present=payload.members_present,
        confirmed=payload.confirmed,
    )
    return _detail(request, case)


@router.get("/referrals/", response=list[ReferralOut], summary="Referrals to the caller's agency")
def referral_list(request: AuthedRequest) -> Any:
    return selectors.referral_list(user=request.user)


@router.post(
    "/referrals/{referral_id}/answer",
    response={200: ReferralOut},
    summary="Accept, reject or complete a referral",
)
def referral_answer(
    request: AuthedRequest, referral_id: Id, payload: ReferralAnswerIn
) -> Status[Referral]:
    referral = selectors.referral_get(user=request.user, pk=referral_id)
    answered = services.referral_answer(
        actor=request.user, referral=referral, status=payload.status, answer=payload.answer
    )
    return Status(200, answered)


class CaseFromReportIn(Input):
    title: str = Field(description="A short title, without names.")
    case_type: CaseType = Field("", description="A case type of the school's procedure, if known.")


@router.post(
    "/from-report/{report_id}",
    response={201: CaseDetailOut},
    summary="Open a case from a report",
)
def case_open_from_report(
    request: AuthedRequest, report_id: Id, payload: CaseFromReportIn
) -> Status[Any]:
    report = intake_selectors.report_get(user=request.user, pk=report_id)
    case = services.case_open(
        actor=request.user,
        school=report.school,
        title=payload.title,
        reports=[report],
        case_type=payload.case_type,
    )
    return Status(201, _detail(request, case))


class CaseMessageOut(Schema):
    sender: Annotated[str, enum(Sender.values)]
    author_id: int | None
    body: str
    created_at: dt.datetime


class ConversationOut(Schema):
    report_id: int = Field(description="Each reporter's conversation is their own report's.")
    merged_into: int | None
    unread: bool = Field(description="The reporter wrote and nobody who answers has read it.")
    messages: list[CaseMessageOut]


class CaseMessageIn(Input):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"report": 12, "body": "Thank you. We are on it.", "ask_for_information": False}
            ]
        }
    )

    report: RefId = Field(description="The report (of the case, or merged into one) to answer.")
    body: str
    ask_for_information: bool = False


@router.get(
    "/{case_id}/messages",
    response=list[ConversationOut],
    summary="The reporters' conversations, one per report of the case",
)
def case_messages(request: AuthedRequest, case_id: Id) -> Any:
    case = selectors.case_get(user=request.user, pk=case_id)
    conversations = selectors.case_conversations(user=request.user, case=case)
    for conversation in conversations:  # reading them, as the case page does
        intake_services.report_record_view(actor=request.user, report=conversation.report)
    return [
        {
            "report_id": c.report.pk,
            "merged_into": c.report.merged_into_id,
            "unread": c.unread,
            "messages": c.messages,
        }
        for c in conversations
    ]


@router.post(
    "/{case_id}/messages",
    response={201: CaseMessageOut},
    summary="Answer one of the case's reporters",
)
def case_message_send(
    request: AuthedRequest, case_id: Id, payload: CaseMessageIn
) -> Status[ReportMessage]:
    case = selectors.case_get(user=request.user, pk=case_id)
    report = selectors.case_report_get(user=request.user, case=case, pk=payload.report)
    message = intake_services.report_staff_write(
        actor=request.user,
        report=report,
        body=payload.body,
        ask_for_information=payload.ask_for_information,
    )
    return Status(201, message)
