"""Reads for surveys, each for an acting user and only what that user may see.

A school's campaigns, progress and results belong to the staff of that school (a role on the
school itself); the levels above read the stored roll-up rows of the schools below them.
Reads of results are audited.
"""

import hashlib
import hmac
from typing import Any

from django.conf import settings
from django.db.models import QuerySet

from haven.lib.errors import NotFound
from haven.lib.stats import Aggregate
from haven.orgs.models import OrgUnit
from haven.orgs.types import Viewer
from haven.surveys import access as survey_access
from haven.surveys import results
from haven.surveys.access import Perm
from haven.surveys.aggregates import campaign_aggregate
from haven.surveys.models import Campaign, UnitAggregate


def campaigns_visible(user: Viewer) -> QuerySet[Campaign]:
    schools = survey_access.survey_schools(
        user, Perm.SURVEY_RESULTS
    ) | survey_access.survey_schools(user, Perm.SURVEY_MANAGE)
    return Campaign.objects.filter(school__in=schools.values("pk")).select_related("school")


def schools_managed(user: Viewer) -> QuerySet[OrgUnit]:
    return survey_access.survey_schools(user, Perm.SURVEY_MANAGE).order_by("name")


def school_managed_get(*, user: Viewer, pk: int) -> OrgUnit:
    school = schools_managed(user).filter(pk=pk).first()
    if school is None:
        raise NotFound()
    return school


def campaign_get(*, user: Viewer, pk: int, perm: str = Perm.SURVEY_RESULTS) -> Campaign:
    """The campaign, if the user holds ``perm`` as staff of its school; else NotFound."""
    campaign = Campaign.objects.select_related("school__jurisdiction").filter(pk=pk).first()
    if campaign is None or not survey_access.survey_school_staff(user, campaign.school, perm):
        raise NotFound()
    return campaign


def rollup_units(user: Viewer) -> QuerySet[OrgUnit]:
    """The units above schools whose summed results the user reads."""
    return survey_access.survey_rollup_units(user).exclude(kind__in=["school", "class"])


def rollup_unit_get(*, user: Viewer, pk: int) -> OrgUnit:
    """A unit whose whole-year results the user reads: at or below one of their roll-up units
    (a school included: its year as the level above sees it), or their own school."""
    unit = OrgUnit.objects.filter(pk=pk).exclude(kind="class").first()
    if unit is None or not survey_access.may_read_unit_results(user, unit):
        raise NotFound()
    return unit


def unit_rows(unit: OrgUnit, period: str, instrument_code: str) -> tuple[Any, list[Any]]:
    """The unit's own roll-up row and its children's (O(children) rows, never schools below)."""
    own = UnitAggregate.objects.filter(
        unit=unit, period=period, instrument_code=instrument_code
    ).first()
    children = list(
        UnitAggregate.objects.filter(
            unit__parent=unit, period=period, instrument_code=instrument_code
        )
        .select_related("unit")
        .order_by("unit__name")
    )
    return own, children


def unit_periods(unit: OrgUnit) -> list[str]:
    return list(
        UnitAggregate.objects.filter(unit=unit)
        .order_by("-period")
        .values_list("period", flat=True)
        .distinct()
    )


def min_group() -> int:
    return int(settings.HAVEN_MIN_CELL)


def suppression_salt(*parts: object) -> str:
    """A secret per group for the choice of complementary cells (see suppression.py): someone
    who knows the rules cannot work a hidden role back from which cell was hidden. The same
    group gets the same salt on every page, so pages cannot be played against each other."""
    message = ":".join(str(p) for p in ("survey-suppression", *parts))
    return hmac.new(settings.SECRET_KEY.encode(), message.encode(), hashlib.sha256).hexdigest()


def campaign_results(*, campaign: Campaign) -> tuple[results.Results, Aggregate]:
    """A campaign's protected results (with the change since the school's previous campaign
    and the benchmark of the level above, when shown) and its aggregate: the same for the
    results page and the API."""
    own = campaign_aggregate(campaign)
    earlier = (
        Campaign.objects.filter(
            school=campaign.school,
            instrument_code=campaign.instrument_code,
            opens_at__lt=campaign.opens_at,
        )
        .order_by("-opens_at")
        .first()
    )
    previous = campaign_aggregate(earlier) if earlier is not None else None
    # The benchmark is the level above without this school: only when the stored roll-up
    # counts this very campaign for the school.
    parent = None
    school_row = UnitAggregate.objects.filter(
        unit=campaign.school, period=campaign.period, instrument_code=campaign.instrument_code
    ).first()
    if school_row is not None and school_row.campaign_id == campaign.pk and campaign.school.parent:
        parent_row = UnitAggregate.objects.filter(
            unit=campaign.school.parent,
            period=campaign.period,
            instrument_code=campaign.instrument_code,
        ).first()
        parent = Aggregate.from_json(parent_row.data) if parent_row else None
    shown = results.build_results(
        own,
        previous=previous or None,
        parent=parent,
        min_group=min_group(),
        salt=suppression_salt("campaign", campaign.pk),
        previous_salt=suppression_salt("campaign", earlier.pk) if earlier is not None else "",
        parent_salt=suppression_salt("unit", campaign.school.parent_id, campaign.period),
    )
    return shown, own


def hotspot_schools(user: Viewer) -> QuerySet[OrgUnit]:
    return survey_access.survey_schools(user, Perm.SURVEY_RESULTS).order_by("name")


def hotspot_school_get(*, user: Viewer, pk: int) -> OrgUnit:
    """A school whose hotspots the user reads: as its survey results (its own staff)."""
    school = OrgUnit.objects.select_related("jurisdiction").filter(pk=pk, kind="school").first()
    if school is None or not survey_access.survey_school_staff(user, school):
        raise NotFound()
    return school


def hotspot_grid(*, user: Viewer, school: OrgUnit, year: Any) -> Any:
    """The school's grid for a school year (``orgs.calendar.SchoolYear``): answers of its
    campaigns counting for that year, reports received in it (counts only, no report)."""
    from haven.intake.models import Report
    from haven.surveys import hotspots

    hotspot_school_get(user=user, pk=school.pk)
    campaigns = list(Campaign.objects.filter(school=school, period=year.label))
    reports = Report.objects.filter(school=school, created_at__date__range=(year.start, year.end))
    return hotspots.grid(school, campaigns, reports)
