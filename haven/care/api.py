"""Care in the JSON API: pupils of concern, screening rounds and committee meetings, read
through the pages' selectors, so with the same need-to-know rules (care/access.py). Reads that
name pupils (entries, meeting minutes) are audited as the pages' are, in the read's transaction."""

import datetime as dt
from typing import Annotated, Any

from django.db import transaction
from ninja import Field, Router, Schema
from ninja.pagination import paginate

from haven.audit.pagination import AuditedPagination
from haven.care import reasons, selectors, services
from haven.care.models import CommitteeMeeting, ConcernEntry, MentorKind
from haven.lib.schemas import Id, RefId, enum
from haven.orgs.types import AuthedRequest
from haven.security.api_auth import staff_auth

router = Router(tags=["care"], auth=staff_auth)


class ConcernOut(Schema):
    id: int
    school_id: int
    pupil_id: int
    pupil_name: str
    class_id: int | None
    reasons: list[Annotated[str, enum(reasons.reason_codes())]]
    reason_note: str
    responsible_id: int | None
    mentor_kind: Annotated[str, enum(["", *MentorKind.values])]
    mentor_user_id: int | None
    review_on: dt.date | None
    status: Annotated[str, enum(ConcernEntry.Status.values)]
    opened_at: dt.datetime
    closed_at: dt.datetime | None

    @staticmethod
    def resolve_pupil_name(entry: ConcernEntry) -> str:
        return f"{entry.pupil.family_name} {entry.pupil.given_name}".strip()

    @staticmethod
    def resolve_class_id(entry: ConcernEntry) -> int | None:
        return entry.pupil.class_unit_id


@router.get("/concerns", response=list[ConcernOut], summary="Pupils of concern")
@paginate(AuditedPagination, action="concern.list")
def concern_list(
    request: AuthedRequest, open_only: bool = True, school: RefId | None = None
) -> Any:
    """Only the entries the caller needs to know of (the same rule as the pages)."""
    entries = selectors.concern_list(user=request.user, open_only=open_only)
    if school is not None:
        entries = entries.filter(school_id=school)
    return entries


@router.get("/concerns/{concern_id}", response=ConcernOut, summary="One pupil of concern")
def concern_detail(request: AuthedRequest, concern_id: Id) -> Any:
    with transaction.atomic():  # the read and its audit event together
        entry = selectors.concern_get(user=request.user, pk=concern_id)
        services.concern_record_view(actor=request.user, entry=entry)
    return entry


class RoundOut(Schema):
    id: int
    school_id: int
    name: str
    starts_on: dt.date
    ends_on: dt.date
    classes_total: int
    classes_answered: int


class RoundAnswerOut(Schema):
    class_id: int
    responsible_id: int | None
    none_found: bool
    answered_at: dt.datetime | None


class RoundItemsOut(Schema):
    total: int
    open: int
    overdue: int = Field(description="Open findings past their due date.")
    resolved: int
    cases: int = Field(description="Findings that became a case.")


class RoundDetailOut(RoundOut):
    items: RoundItemsOut = Field(description="Counts only: the findings' text stays on the page.")
    answers: list[RoundAnswerOut] = Field(description="The classes the caller may read.")


@router.get("/screening-rounds", response=list[RoundOut], summary="Screening rounds")
@paginate
def round_list(request: AuthedRequest) -> Any:
    return selectors.round_list(user=request.user)


@router.get("/screening-rounds/{round_id}", response=RoundDetailOut, summary="One screening round")
def round_detail(request: AuthedRequest, round_id: Id) -> Any:
    found = selectors.round_get(user=request.user, pk=round_id)
    answers = selectors.round_answers(user=request.user, round_=found)
    today = services.school_today(found.school)
    return {
        **RoundOut.from_orm(found).dict(),
        "items": selectors.round_item_counts(round_=found, on=today),
        "answers": [
            {
                "class_id": a.class_unit_id,
                "responsible_id": a.responsible_id,
                "none_found": a.none_found,
                "answered_at": a.answered_at,
            }
            for a in answers
        ],
    }


class MeetingOut(Schema):
    id: int
    school_id: int
    body: Annotated[str, enum(CommitteeMeeting.Body.values)]
    held_on: dt.date


class DecisionOut(Schema):
    id: int
    text: str
    responsible_id: int | None
    due_on: dt.date | None
    done_at: dt.datetime | None


class MeetingDetailOut(MeetingOut):
    member_ids: list[int]
    minutes: str
    concern_ids: list[int] = Field(description="The pupils of concern the caller may open.")
    case_ids: list[int] = Field(description="The cases the caller may open.")
    hidden: int = Field(description="Linked entries and cases the caller may not open.")
    decisions: list[DecisionOut]


@router.get("/committee-meetings", response=list[MeetingOut], summary="Committee meetings")
@paginate
def meeting_list(request: AuthedRequest) -> Any:
    return selectors.meeting_list(user=request.user)


@router.get(
    "/committee-meetings/{meeting_id}",
    response=MeetingDetailOut,
    summary="One committee meeting",
)
def meeting_detail(request: AuthedRequest, meeting_id: Id) -> Any:
    user = request.user
    with transaction.atomic():  # the read and its audit event together
        meeting = selectors.meeting_get(user=user, pk=meeting_id)
        services.meeting_record_view(actor=user, meeting=meeting)
    return {
        **MeetingOut.from_orm(meeting).dict(),
        "member_ids": [m.pk for m in meeting.members.all()],
        "minutes": meeting.minutes,
        "concern_ids": [c.pk for c in selectors.meeting_concerns(user=user, meeting=meeting)],
        "case_ids": [c.pk for c in selectors.meeting_cases(user=user, meeting=meeting)],
        "hidden": selectors.meeting_hidden_count(user=user, meeting=meeting),
        "decisions": list(meeting.decisions.all()),
    }
