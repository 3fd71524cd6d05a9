"""What retention will erase, and when: one set of queries for the daily run (due now) and
the page that warns the people responsible (due within the policy's warning days)."""

import datetime
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db.models import (
    DateTimeField,
    Exists,
    F,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from haven.audit.models import AuditEvent
from haven.care.models import ConcernEntry
from haven.cases.models import Case
from haven.intake.models import (
    EventKind,
    PublicStatus,
    Report,
    ReportAttachment,
    ReportEvent,
    ReportMessage,
    Sender,
    Status,
)
from haven.orgs import access
from haven.orgs.models import OrgUnit
from haven.orgs.types import Viewer
from haven.privacy.access import Perm
from haven.privacy.models import Erasure, Kind, LegalHold
from haven.privacy.policy import DEFAULT_CODE, Policy, policy_for

# The rule of the policy each kind follows.
RULE: dict[str, str] = {
    Kind.CASE: "closed_cases",
    Kind.DISMISSED: "dismissed_reports",
    Kind.REPORT: "reports_without_case",
    Kind.RECEIPT: "unused_receipts",
    Kind.MESSAGES: "messages_and_files",
    Kind.CONCERN: "concerns_after_leaving",
}
OPEN_WITHOUT_CASE = (Status.NEW, Status.IN_TRIAGE, Status.NEEDS_INFO)


@dataclass
class Due:
    kind: str
    obj: Any
    school_id: int
    due_at: datetime.datetime
    policy: str


def _latest(model: Any, *conditions: Q) -> Subquery:
    rows = model.objects.filter(*conditions, report=OuterRef("pk")).order_by()
    return Subquery(
        rows.values("report").annotate(last=Max("created_at")).values("last")[:1],
        output_field=DateTimeField(),
    )


def _held_reports() -> Q:
    """Reports under a hold, their own or their case's."""
    active = LegalHold.objects.filter(lifted_at__isnull=True)
    return Q(pk__in=active.filter(report__isnull=False).values("report_id")) | Q(
        cases__in=active.filter(case__isnull=False).values("case_id")
    )


def _erased(kind: str) -> Q:
    return Q(pk__in=Erasure.objects.filter(kind=kind).values("object_id"))


def _queries(cutoff: datetime.datetime, policy: Policy, schools: Any) -> dict[str, QuerySet[Any]]:
    """Per kind, the rows of ``schools`` whose retention ends by ``cutoff`` (not erased, not
    held), each annotated with ``since``: the moment its retention counts from."""

    def before(rule: str) -> datetime.datetime:
        return cutoff - datetime.timedelta(days=policy.days(rule))

    active = LegalHold.objects.filter(lifted_at__isnull=True)
    # Reports already erased as a whole (alone or with their case): nothing left to erase.
    whole = (
        _erased(Kind.DISMISSED)
        | _erased(Kind.REPORT)
        | Q(cases__in=Erasure.objects.filter(kind=Kind.CASE).values("object_id"))
    )
    reports = Report.objects.filter(school__in=schools).exclude(_held_reports())
    dismissed_at = Subquery(
        ReportEvent.objects.filter(report=OuterRef("pk"), kind=EventKind.DISMISSED)
        .order_by("-created_at")
        .values("created_at")[:1]
    )
    return {
        Kind.CASE: Case.objects.filter(school__in=schools, closed_at__isnull=False)
        .exclude(pk__in=active.filter(case__isnull=False).values("case_id"))
        .exclude(reports__in=active.filter(report__isnull=False).values("report_id"))
        .exclude(_erased(Kind.CASE))
        .annotate(since=F("closed_at"))
        .filter(since__lte=before(RULE[Kind.CASE])),
        Kind.DISMISSED: reports.filter(status=Status.DISMISSED)
        .exclude(_erased(Kind.DISMISSED))
        .annotate(since=Coalesce(dismissed_at, F("created_at")))
        .filter(since__lte=before(RULE[Kind.DISMISSED])),
        Kind.REPORT: reports.filter(status__in=OPEN_WITHOUT_CASE)
        .exclude(Exists(Case.reports.through.objects.filter(report_id=OuterRef("pk"))))
        .exclude(_erased(Kind.REPORT))
        .annotate(since=Coalesce(_latest(ReportMessage), F("created_at")))
        .filter(since__lte=before(RULE[Kind.REPORT])),
        Kind.RECEIPT: reports.filter(public_status=PublicStatus.CLOSED)
        .exclude(receipt_hash="")
        .annotate(
            since=Coalesce(_latest(ReportMessage, Q(sender=Sender.REPORTER)), F("created_at"))
        )
        .filter(since__lte=before(RULE[Kind.RECEIPT])),
        Kind.MESSAGES: reports.filter(public_status=PublicStatus.CLOSED)
        .exclude(whole)
        .filter(
            Exists(ReportMessage.objects.filter(report=OuterRef("pk")))
            | Exists(ReportAttachment.objects.filter(report=OuterRef("pk")))
        )
        .exclude(_erased(Kind.MESSAGES))
        .annotate(
            since=Greatest(
                Coalesce(_latest(ReportMessage), F("created_at")),
                Coalesce(_latest(ReportAttachment), F("created_at")),
            )
        )
        .filter(since__lte=before(RULE[Kind.MESSAGES])),
        Kind.CONCERN: ConcernEntry.objects.filter(
            school__in=schools,
            status=ConcernEntry.Status.CLOSED,
            pupil__active=False,
            closed_at__isnull=False,
        )
        .exclude(pk__in=active.filter(concern__isnull=False).values("concern_id"))
        .exclude(_erased(Kind.CONCERN))
        .annotate(since=F("closed_at"))
        .filter(since__lte=before(RULE[Kind.CONCERN])),
    }


def _jurisdictions(schools: QuerySet[OrgUnit]) -> Iterator[tuple[Policy, QuerySet[OrgUnit]]]:
    codes = schools.values_list("jurisdiction__code", flat=True).distinct()
    for code in sorted(set(codes)):
        yield policy_for(code), schools.filter(jurisdiction__code=code)


def due(
    *,
    now: datetime.datetime | None = None,
    within_days: int = 0,
    schools: Any = None,
    kinds: Iterable[str] | None = None,
) -> Iterator[Due]:
    """What retention erases by ``now`` + ``within_days``, oldest first per kind."""
    wanted = set(kinds) if kinds is not None else set(RULE)
    now = now or timezone.now()
    scope = OrgUnit.objects.filter(kind=OrgUnit.Kind.SCHOOL)
    if schools is not None:
        scope = scope.filter(pk__in=schools)
    for policy, group in _jurisdictions(scope):
        cutoff = now + datetime.timedelta(days=within_days)
        for kind, qs in _queries(cutoff, policy, group.values("pk")).items():
            if kind not in wanted:
                continue
            days = datetime.timedelta(days=policy.days(RULE[kind]))
            for obj in qs.distinct().order_by("since", "pk").iterator(chunk_size=500):
                yield Due(kind, obj, obj.school_id, obj.since + days, policy.code)


def retention_schools(*, user: Viewer) -> QuerySet[OrgUnit]:
    return access.units(user, Perm.RETENTION_HOLD).filter(kind=OrgUnit.Kind.SCHOOL)


def coming(*, user: Viewer, school: OrgUnit, limit: int = 500) -> list[Due]:
    """What will be erased at ``school`` within its policy's warning days (the user must
    answer for the school: ``RETENTION_HOLD``)."""
    if not access.can(user, Perm.RETENTION_HOLD, school):
        return []
    items = due(within_days=policy_for(school.jurisdiction.code).warn_days, schools=[school.pk])
    return [item for _, item in zip(range(limit), items, strict=False)]


def holds(*, user: Viewer, school: OrgUnit) -> QuerySet[LegalHold]:
    if not access.can(user, Perm.RETENTION_HOLD, school):
        return LegalHold.objects.none()
    return LegalHold.objects.filter(school=school, lifted_at__isnull=True).select_related(
        "placed_by"
    )


def audit_due(*, now: datetime.datetime | None = None) -> Iterable[tuple[Policy, QuerySet[Any]]]:
    """Audit events past their retention, per policy: events of a unit follow its
    jurisdiction's policy; events without one the longest of all."""
    now = now or timezone.now()
    codes = sorted(set(OrgUnit.objects.values_list("jurisdiction__code", flat=True)))
    policies = [policy_for(code) for code in codes] or [policy_for(DEFAULT_CODE)]
    for code, policy in zip(codes, policies, strict=False):
        cutoff = now - datetime.timedelta(days=policy.days("audit_events"))
        yield (
            policy,
            AuditEvent.objects.filter(org_unit__jurisdiction__code=code, created_at__lt=cutoff),
        )
    longest = max(policies, key=lambda p: p.days("audit_events"))
    cutoff = now - datetime.timedelta(days=longest.days("audit_events"))
    yield longest, AuditEvent.objects.filter(org_unit__isnull=True, created_at__lt=cutoff)
