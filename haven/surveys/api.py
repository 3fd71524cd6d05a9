"""Surveys in the JSON API: campaigns, their one-time codes and their protected results,
through the staff pages' selectors and services (so the same access and hiding)."""

import datetime as dt
from typing import Annotated, Any

from django.db import transaction
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from haven.audit.services import audit_record
from haven.lib.disclosure import Shown
from haven.lib.errors import NotFound
from haven.lib.schemas import Id, Input, enum
from haven.orgs.models import OrgUnit
from haven.orgs.types import AuthedRequest
from haven.security.api_auth import staff_auth
from haven.surveys import selectors, services
from haven.surveys.access import Perm
from haven.surveys.models import Campaign
from haven.surveys.results import Results

router = Router(tags=["surveys"], auth=staff_auth)


class CampaignOut(Schema):
    id: int
    school_id: int
    title: str
    instrument_code: str
    instrument_version: int
    opens_at: dt.datetime
    closes_at: dt.datetime
    period: str = Field(description="The school year, e.g. 2025-2026.")
    status: Annotated[str, enum(Campaign.Status.values)]
    closed_at: dt.datetime | None


class ProgressOut(Schema):
    class_id: int
    eligible: int
    codes: int = Field(description="Codes made for the class.")
    started: int
    submitted: int
    rate: float | None = Field(description="Submitted of eligible; none when it would be >1.")
    low: bool
    roster_incomplete: bool


class CampaignDetailOut(CampaignOut):
    progress: list[ProgressOut]


class CodesIn(Input):
    count: int | None = Field(
        None, ge=1, le=200, description="How many; as many as pupils on the roster if left out."
    )


class CodesOut(Schema):
    codes: list[str] = Field(description="Shown once: only their hashes are stored.")
    warning: str = Field(description="Why the class's response rate may read wrong, if so.")


class CellOut(Schema):
    key: str
    hidden: bool
    n: int | None
    value: float | None
    low: float | None
    high: float | None
    band: str | None = Field(description="`lt5` or `gt95` when only a band may be shown.")


class ScaleOut(Schema):
    key: str
    hidden: bool
    n: int | None
    mean: float | None
    sd: float | None
    low: float | None
    high: float | None


class ResultsOut(Schema):
    hidden: bool = Field(description="Too few answers: nothing but the counts below is shown.")
    respondents: int | None
    eligible: int
    response_rate: float | None
    low_response: bool
    rows: list[CellOut]
    roles: list[CellOut]
    top_forms: list[CellOut]
    scales: list[ScaleOut]


def _cell(key: str, shown: Shown) -> dict[str, Any]:
    interval = shown.interval
    return {
        "key": key,
        "hidden": shown.hidden,
        "n": shown.n,
        "value": shown.value,
        "low": interval.low if interval else None,
        "high": interval.high if interval else None,
        "band": shown.label.lower() if shown.label else None,
    }


def _results(found: Results) -> dict[str, Any]:
    return {
        "hidden": found.hidden,
        "respondents": found.respondents,
        "eligible": found.eligible,
        "response_rate": found.response_rate,
        "low_response": found.low_response,
        "rows": [_cell(r.key, r.shown) for r in found.rows],
        "roles": [_cell(r.key, r.shown) for r in found.roles],
        "top_forms": [_cell(r.key, r.shown) for r in found.top_forms],
        "scales": [
            {
                "key": s.key,
                "hidden": s.hidden,
                "n": s.n,
                "mean": s.mean,
                "sd": s.sd,
                "low": s.interval.low if s.interval else None,
                "high": s.interval.high if s.interval else None,
            }
            for s in found.scales
        ],
    }


@router.get("/campaigns", response=list[CampaignOut], summary="Campaigns of the caller's schools")
@paginate
def campaign_list(request: AuthedRequest) -> Any:
    return selectors.campaigns_visible(request.user).order_by("-opens_at", "-pk")


@router.get("/campaigns/{campaign_id}", response=CampaignDetailOut, summary="Campaign progress")
def campaign_detail(request: AuthedRequest, campaign_id: Id) -> Any:
    """Codes made, started and sent per class (for those who run the school's surveys)."""
    campaign = selectors.campaign_get(user=request.user, pk=campaign_id, perm=Perm.SURVEY_MANAGE)
    progress = [
        {**{k: v for k, v in row.items() if k != "class_unit"}, "class_id": row["class_unit"].pk}
        for row in services.progress(campaign)
    ]
    return {**CampaignOut.from_orm(campaign).dict(), "progress": progress}


@router.post(
    "/campaigns/{campaign_id}/classes/{class_id}/codes",
    response={201: CodesOut},
    summary="Make one-time codes for a class",
)
def codes_make(
    request: AuthedRequest, campaign_id: Id, class_id: Id, payload: CodesIn
) -> Status[dict[str, Any]]:
    campaign = selectors.campaign_get(user=request.user, pk=campaign_id, perm=Perm.SURVEY_MANAGE)
    class_unit = OrgUnit.objects.filter(pk=class_id, kind=OrgUnit.Kind.CLASS).first()
    if class_unit is None or not campaign.classes.filter(class_unit=class_unit).exists():
        raise NotFound()
    made = services.codes_generate(
        actor=request.user, campaign=campaign, class_unit=class_unit, count=payload.count
    )
    warning = services.codes_roster_warning(campaign=campaign, class_unit=class_unit)
    return Status(201, {"codes": made, "warning": str(warning or "")})


@router.post("/campaigns/{campaign_id}/close", response=CampaignOut, summary="Close a campaign")
def campaign_close(request: AuthedRequest, campaign_id: Id) -> Campaign:
    campaign = selectors.campaign_get(user=request.user, pk=campaign_id, perm=Perm.SURVEY_MANAGE)
    return services.campaign_close(actor=request.user, campaign=campaign)


@router.get("/campaigns/{campaign_id}/results", response=ResultsOut, summary="A campaign's results")
def campaign_results(request: AuthedRequest, campaign_id: Id) -> Any:
    """Shares with their 95% intervals; small groups, and what would reveal them, hidden
    exactly as on the results page."""
    with transaction.atomic():  # the read and its audit event together, as on the page
        campaign = selectors.campaign_get(user=request.user, pk=campaign_id)
        shown, _aggregate = selectors.campaign_results(campaign=campaign)
        audit_record(
            actor=request.user,
            action="survey.results_view",
            obj=campaign,
            org_unit=campaign.school,
            details={"via": "api"},
        )
    return _results(shown)
