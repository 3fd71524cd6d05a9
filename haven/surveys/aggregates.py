"""Refreshing the stored aggregates that results pages read (never the responses).

``campaign_refresh`` recomputes one campaign's class rows from its responses, when responses
came in after its watermark (the highest response id counted), then rebuilds its school's row
for the school year (its whole year: ``school_year_rows``) and every ancestor's, each the sum
of its children's rows. Every step recomputes from what lies below, so running it twice, or
twice at once, gives the same rows.
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


def school_year_rows(school: OrgUnit, period: str, instrument_code: str) -> list[ClassAggregate]:
    """The class rows that make up a school's whole school year, one per class.

    What "each pupil counted once" means with anonymous one-time codes: a code belongs to one
    campaign and one class, answers once (a later save through the same code replaces the
    draft; a submitted code is spent), and is never linked to a pupil. So within one campaign
    and class there is at most one answer per pupil, but two campaigns' answers can never be
    matched to the same person. Pupils belong to one class, so the year takes, for each class
    that any campaign of the year invited, the answers of one campaign: the one with the most
    answers in that class, the newer one on a tie (a whole-class re-run replaces the earlier
    one). Summing those classes counts each pupil at most once, and the response rate is taken
    over the union of the classes, each with the roster of the campaign chosen for it.

    Why most answers and not the newest: a follow-up with a few pupils of a class must not
    replace the whole class's earlier answers (that is how a 12-pupil follow-up once replaced
    a 60-pupil whole-school survey); and pooling every answer of every campaign would count
    a pupil who answered twice twice.
    """
    chosen: dict[int, ClassAggregate] = {}
    rows = ClassAggregate.objects.filter(
        campaign__school=school, campaign__period=period, campaign__instrument_code=instrument_code
    ).select_related("campaign")
    for row in rows:
        current = chosen.get(row.class_unit_id)
        if current is None or _rank(row) > _rank(current):
            chosen[row.class_unit_id] = row
    return sorted(chosen.values(), key=lambda r: r.class_unit_id)


def _rank(row: ClassAggregate) -> tuple[int, Any, int]:
    return (row.respondents, row.campaign.opens_at, row.campaign_id)


def school_row_refresh(school: OrgUnit, period: str, instrument_code: str) -> None:
    """The school's row for the year: its whole year (``school_year_rows``)."""
    rows = school_year_rows(school, period, instrument_code)
    answered = {row.campaign_id for row in rows if row.respondents}
    if not answered:
        UnitAggregate.objects.filter(
            unit=school, period=period, instrument_code=instrument_code
        ).delete()
        return
    total = sum_aggregates(_load(row.data) for row in rows)
    UnitAggregate.objects.update_or_create(
        unit=school,
        period=period,
        instrument_code=instrument_code,
        defaults={
            # Only when one campaign gave every answer (its page may then show the benchmark).
            "campaign_id": answered.pop() if len(answered) == 1 else None,
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
