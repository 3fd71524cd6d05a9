"""Refreshing the stored aggregates that results pages read (never the responses).

``campaign_refresh`` recomputes one campaign's class rows from its responses, when responses
came in after its watermark (the highest response id counted), then rebuilds its school's row
for the school year and every ancestor's, each the sum of its children's rows. Every step
recomputes from what lies below, so running it twice, or twice at once, gives the same rows.
"""

from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from haven.lib.stats import Aggregate, sum_aggregates
from haven.orgs.models import OrgUnit
from haven.surveys import scoring
from haven.surveys.models import Campaign, ClassAggregate, Response, UnitAggregate


def _load(data: dict[str, Any]) -> Aggregate:
    return Aggregate.from_json(data) if data else Aggregate()


def class_rows_refresh(campaign: Campaign, *, force: bool = False) -> bool:
    """Recompute the campaign's class rows; False when nothing came in since the last time."""
    latest = campaign.responses.aggregate(m=Max("pk"))["m"] or 0
    stored = list(campaign.aggregates.all())
    classes = list(campaign.classes.all())
    if (
        not force
        and stored
        and len(stored) == len(classes)
        and all(row.through == latest for row in stored)
        and {r.class_unit_id: r.eligible for r in stored}
        == {c.class_unit_id: c.eligible for c in classes}
    ):
        return False
    now = timezone.now()
    with transaction.atomic():
        for entry in classes:
            measures = Response.objects.filter(
                campaign=campaign, class_unit_id=entry.class_unit_id, pk__lte=latest
            ).values_list("measures", flat=True)
            aggregate = Aggregate.from_answers(
                (scoring.as_answers(m) for m in measures.iterator()), eligible=entry.eligible
            )
            ClassAggregate.objects.update_or_create(
                campaign=campaign,
                class_unit_id=entry.class_unit_id,
                defaults={
                    "respondents": aggregate.respondents,
                    "eligible": aggregate.eligible,
                    "data": aggregate.to_json(),
                    "through": latest,
                    "refreshed_at": now,
                },
            )
    return True


def campaign_aggregate(campaign: Campaign) -> Aggregate:
    """The whole campaign (the school), summed from its stored class rows."""
    return sum_aggregates(_load(row.data) for row in campaign.aggregates.all())


def school_row_refresh(school: OrgUnit, period: str, instrument_code: str) -> None:
    """The school's row for the year: its latest campaign of that year with answers."""
    campaigns = Campaign.objects.filter(
        school=school, period=period, instrument_code=instrument_code
    ).order_by("-opens_at", "-pk")
    chosen = next((c for c in campaigns if c.aggregates.filter(respondents__gt=0).exists()), None)
    if chosen is None:
        UnitAggregate.objects.filter(
            unit=school, period=period, instrument_code=instrument_code
        ).delete()
        return
    total = campaign_aggregate(chosen)
    UnitAggregate.objects.update_or_create(
        unit=school,
        period=period,
        instrument_code=instrument_code,
        defaults={
            "campaign": chosen,
            "schools": 1,
            "respondents": total.respondents,
            "eligible": total.eligible,
            "data": total.to_json(),
            "refreshed_at": timezone.now(),
        },
    )


def ancestor_rows_refresh(unit: OrgUnit, period: str, instrument_code: str) -> None:
    """Every ancestor of ``unit``, nearest first: the sum of its children's rows."""
    for ancestor in reversed(list(unit.ancestors())):
        children = UnitAggregate.objects.filter(
            unit__parent=ancestor, period=period, instrument_code=instrument_code
        )
        rows = list(children.values_list("data", "schools"))
        if not rows:
            UnitAggregate.objects.filter(
                unit=ancestor, period=period, instrument_code=instrument_code
            ).delete()
            continue
        total = sum_aggregates(_load(data) for data, _schools in rows)
        UnitAggregate.objects.update_or_create(
            unit=ancestor,
            period=period,
            instrument_code=instrument_code,
            defaults={
                "campaign": None,
                "schools": sum(schools for _data, schools in rows),
                "respondents": total.respondents,
                "eligible": total.eligible,
                "data": total.to_json(),
                "refreshed_at": timezone.now(),
            },
        )


def campaign_refresh(campaign: Campaign, *, force: bool = False) -> bool:
    """Class rows, then the school's row and every ancestor's. True when anything changed."""
    changed = class_rows_refresh(campaign, force=force)
    if changed or force:
        with transaction.atomic():
            school_row_refresh(campaign.school, campaign.period, campaign.instrument_code)
            ancestor_rows_refresh(campaign.school, campaign.period, campaign.instrument_code)
    return changed


def refresh_all(*, force: bool = False) -> int:
    """Every campaign whose rows are behind its responses; returns how many were refreshed."""
    refreshed = 0
    for campaign in Campaign.objects.select_related("school").order_by("pk"):
        if campaign_refresh(campaign, force=force):
            refreshed += 1
    return refreshed
