"""Prevention registers in the JSON API: the pages' selectors and services, so their rules."""

import datetime as dt
from typing import Annotated, Any

from ninja import Field, Query, Router, Schema, Status
from ninja.params.functions import Path as PathParam
from pydantic import ConfigDict

from haven.lib.errors import NotFound
from haven.lib.schemas import Id, Input, enum
from haven.orgs.models import OrgUnit
from haven.orgs.types import AuthedRequest
from haven.prevention import selectors, services
from haven.prevention.models import (
    ActivityStatus,
    Goal,
    MeetingKind,
    PlanActivity,
    PledgeMethod,
    Training,
)
from haven.security.api_auth import staff_auth

router = Router(tags=["prevention"], auth=staff_auth)

Year = Annotated[int, PathParam(..., ge=2000, le=2100)]
GoalCode = Annotated[str, enum(Goal.values)]


class YearQuery(Schema):
    year: int | None = Field(
        None,
        ge=2000,
        le=2100,
        description="The school year by its first calendar year; the running one when left out.",
    )


def _year(unit: OrgUnit, query: YearQuery) -> int:
    return query.year if query.year is not None else selectors.school_year_now(unit)


class ActivityOut(Schema):
    id: int
    goal: GoalCode
    what: str
    lead: str
    participants: str
    starts_on: dt.date
    ends_on: dt.date
    status: Annotated[str, enum(ActivityStatus.values)]
    evidence_note: str
    result_url: str
    updated_at: dt.datetime


class PlanOut(Schema):
    id: int
    unit_id: int
    year: int
    template: str
    created_at: dt.datetime
    activities: list[ActivityOut]


class ActivityIn(Input):
    goal: GoalCode
    what: str = Field(max_length=2000)
    lead: str = Field(max_length=200)
    participants: str = Field("", max_length=300)
    starts_on: dt.date
    ends_on: dt.date


class TrainingOut(Schema):
    id: int
    unit_id: int
    topic: str
    held_on: dt.date
    trainer: str
    audience: str
    present: int = Field(description="Staff members recorded as present.")


class TrainingIn(Input):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "topic": "Recognising bullying",
                    "held_on": "2026-10-14",
                    "trainer": "County resource centre",
                    "audience": "all teaching staff",
                }
            ]
        }
    )

    topic: str = Field(max_length=300)
    held_on: dt.date
    trainer: str = Field(max_length=200)
    audience: str = Field("", max_length=300)


class PledgeOut(Schema):
    user_id: int
    name: str
    signed_at: dt.datetime | None
    method: Annotated[str, enum(["", *PledgeMethod.values], "Empty when not signed.")]
    late: bool = Field(description="Not signed, and the deadline has passed.")
    signed_late: bool


class PledgesOut(Schema):
    year: int
    deadline: dt.date
    staff: list[PledgeOut]


class MeetingOut(Schema):
    id: int
    kind: Annotated[str, enum(MeetingKind.values)]
    held_on: dt.date
    class_ids: list[int]
    topic: str
    attendance: int


def _plan(request: AuthedRequest, unit_id: int, year: int) -> Any:
    unit = selectors.unit_get(user=request.user, pk=unit_id)
    plan = selectors.plan_get(user=request.user, unit=unit, year=year)
    if plan is None:
        raise NotFound()
    return plan


@router.get("/units/{unit_id}/plans/{year}", response=PlanOut, summary="A unit's plan of a year")
def plan_detail(request: AuthedRequest, unit_id: Id, year: Year) -> Any:
    plan = _plan(request, unit_id, year)
    return {
        "id": plan.pk,
        "unit_id": plan.unit_id,
        "year": plan.year,
        "template": plan.template,
        "created_at": plan.created_at,
        "activities": list(plan.activities.order_by("position", "pk")),
    }


@router.post(
    "/units/{unit_id}/plans/{year}/activities",
    response={201: ActivityOut},
    summary="Add an activity to a plan",
)
def activity_add(
    request: AuthedRequest, unit_id: Id, year: Year, payload: ActivityIn
) -> Status[PlanActivity]:
    plan = _plan(request, unit_id, year)
    activity = services.activity_add(actor=request.user, plan=plan, **payload.dict())
    return Status(201, activity)


@router.get("/units/{unit_id}/trainings", response=list[TrainingOut], summary="Trainings")
def training_list(request: AuthedRequest, unit_id: Id, query: Query[YearQuery]) -> Any:
    """The year's trainings held for the unit, the units above it and those below it."""
    unit = selectors.unit_get(user=request.user, pk=unit_id)
    return selectors.trainings_for(user=request.user, unit=unit, year=_year(unit, query))


@router.post("/units/{unit_id}/trainings", response={201: TrainingOut}, summary="Record a training")
def training_record(request: AuthedRequest, unit_id: Id, payload: TrainingIn) -> Status[Training]:
    unit = selectors.unit_get(user=request.user, pk=unit_id)
    training = services.training_record(actor=request.user, unit=unit, **payload.dict())
    training.present = 0  # type: ignore[attr-defined]  # nobody recorded yet
    return Status(201, training)


@router.get("/schools/{school_id}/pledges", response=PledgesOut, summary="Staff pledges")
def pledge_list(request: AuthedRequest, school_id: Id, query: Query[YearQuery]) -> Any:
    """Every staff member and their pledge of the year, who is late and who signed late."""
    school = selectors.school_get(user=request.user, pk=school_id)
    year = _year(school, query)
    rows, deadline = selectors.pledge_status(user=request.user, school=school, year=year)
    return {
        "year": year,
        "deadline": deadline,
        "staff": [
            {
                "user_id": row.member.pk,
                "name": row.member.full_name,
                "signed_at": row.pledge.signed_at if row.pledge else None,
                "method": row.pledge.method if row.pledge else "",
                "late": row.late,
                "signed_late": row.signed_late,
            }
            for row in rows
        ],
    }


@router.get(
    "/schools/{school_id}/meetings",
    response=list[MeetingOut],
    summary="Parent meetings and pupil sessions",
)
def meeting_list(request: AuthedRequest, school_id: Id, query: Query[YearQuery]) -> Any:
    school = selectors.school_get(user=request.user, pk=school_id)
    meetings = selectors.meetings_for(user=request.user, school=school, year=_year(school, query))
    return [
        {
            "id": m.pk,
            "kind": m.kind,
            "held_on": m.held_on,
            "class_ids": [c.pk for c in m.classes.all()],
            "topic": m.topic,
            "attendance": m.attendance,
        }
        for m in meetings
    ]
