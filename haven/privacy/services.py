"""Retention: erase what is due (text blanked, files overwritten then unlinked, rows kept as
tombstones for the statistics), legal holds, and the pruning of old audit events."""

import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Model
from django.db.models.fields.files import FieldFile
from django.utils import timezone
from django.utils.translation import gettext as _

from haven.audit.maintenance import audit_maintenance
from haven.audit.services import audit_record
from haven.care.models import ConcernEntry, ConcernFollowUp
from haven.cases.models import (
    Appeal,
    Case,
    CaseAttachment,
    CaseEvent,
    CaseMeasure,
    CaseNote,
    CaseParty,
    Referral,
)
from haven.intake.models import Report, ReportAttachment, ReportEvent, ReportMessage
from haven.lib.errors import InvalidInput, NotFound
from haven.orgs import access
from haven.orgs.models import User
from haven.privacy import selectors
from haven.privacy.access import Perm
from haven.privacy.models import Erasure, Kind, LegalHold

logger = logging.getLogger(__name__)

# Timeline details that are codes, ids or counts (kept); any other key may hold free text.
CODE_DETAILS = frozenset(
    {
        "channel", "files", "count", "into", "case", "merged", "from_reporter", "urgent",
        "step", "before", "after", "confirmed", "timer", "reports", "fields", "code", "method",
        "role", "user", "restricted", "referral_kind", "agency", "referral", "status",
        "appeal", "outcome", "measure", "attachment",
    }
)  # fmt: skip
OVERWRITE_PASSES = 3  # as GlobaLeaks does
CHUNK = 64 * 1024


def file_destroy(file: FieldFile) -> None:
    """Overwrite a stored file with random bytes (flushed to disk) before unlinking it, so
    its content cannot be read back from the media folder's free blocks."""
    if not file.name:
        return
    storage = file.storage or default_storage
    try:
        path = storage.path(file.name)
    except NotImplementedError:
        path = None  # object storage: deleting is all its API offers
    if path and os.path.exists(path):
        size = os.path.getsize(path)
        with open(path, "r+b") as handle:
            for _pass in range(OVERWRITE_PASSES):
                handle.seek(0)
                left = size
                while left > 0:
                    n = min(CHUNK, left)
                    handle.write(os.urandom(n))
                    left -= n
                handle.flush()
                os.fsync(handle.fileno())
    storage.delete(file.name)


def _codes_only(details: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in (details or {}).items() if k in CODE_DETAILS}


def _blank_events(model: Any, **owner: Any) -> None:
    for event in model.objects.filter(**owner).only("pk", "details"):
        kept = _codes_only(event.details)
        if kept != event.details:
            model.objects.filter(pk=event.pk).update(details=kept)


def _erase_report_content(report: Report) -> None:
    """Blank a report (its receipt too, so nobody follows it up any more), its messages and
    files; merged reports go with it."""
    _erase_messages(report)
    _blank_events(ReportEvent, report=report)
    Report.objects.filter(pk=report.pk).update(
        description="",
        when_text="",
        contact="",
        dismiss_reason="",
        outcome={},
        receipt_hash="",
    )
    for merged in Report.objects.filter(merged_into=report):
        _erase_report_content(merged)


def _erase_messages(report: Report) -> None:
    # Files go with their rows (no statistic counts them); messages stay as blank rows.
    for attachment in ReportAttachment.objects.filter(report=report):
        file_destroy(attachment.file)
        attachment.delete()
    ReportMessage.objects.filter(report=report).update(body="")


def _erase_case(case: Case) -> None:
    for attachment in CaseAttachment.objects.filter(case=case):
        file_destroy(attachment.file)
        attachment.delete()
    CaseNote.objects.filter(case=case).update(body="")
    CaseParty.objects.filter(case=case).update(description="")
    CaseMeasure.objects.filter(case=case).update(what="")
    Referral.objects.filter(case=case).update(message="", answer="")
    Appeal.objects.filter(case=case).update(grounds="", decision="")
    _blank_events(CaseEvent, case=case)
    Case.objects.filter(pk=case.pk).update(title="", narrative="", determination_reason="")
    for report in case.reports.all():
        _erase_report_content(report)


def _erase_concern(entry: ConcernEntry) -> None:
    ConcernFollowUp.objects.filter(entry=entry).update(note="")
    ConcernEntry.objects.filter(pk=entry.pk).update(
        reason_note="", closed_reason="-", mentor_name="", mentor_role=""
    )


ERASERS: dict[str, Callable[[Any], object]] = {
    Kind.CASE: _erase_case,
    Kind.DISMISSED: _erase_report_content,
    Kind.REPORT: _erase_report_content,
    Kind.RECEIPT: lambda report: Report.objects.filter(pk=report.pk).update(receipt_hash=""),
    Kind.MESSAGES: _erase_messages,
    Kind.CONCERN: _erase_concern,
}


@dataclass
class RunResult:
    erased: dict[str, int] = field(default_factory=dict)
    audit_events: int = 0


def item_erase(*, item: selectors.Due) -> bool:
    """Erase one due item in one transaction with its erasure record and audit event; False
    when another run did it first."""
    with transaction.atomic():
        record, created = Erasure.objects.get_or_create(
            kind=item.kind,
            object_id=item.obj.pk,
            defaults={"school_id": item.school_id, "policy": item.policy},
        )
        if not created:
            return False
        ERASERS[item.kind](item.obj)
        audit_record(
            actor=None,
            action="retention.erase",
            obj=record,
            org_unit=item.obj.school,
            details={"kind": item.kind, "object_id": item.obj.pk, "policy": item.policy},
        )
    return True


def audit_prune(*, now: Any = None) -> int:
    """Delete audit events past their retention: the one use of the log's maintenance
    switch, in one transaction with the audit event that says so."""
    deleted = 0
    with transaction.atomic():
        for policy, events in selectors.audit_due(now=now):
            with audit_maintenance():
                # The model refuses deletes in Python too; this is the explicit way past it.
                deleted += events._raw_delete(events.db)
            if deleted:
                logger.info("retention: audit events deleted under policy %s", policy.code)
        if deleted:
            audit_record(actor=None, action="retention.audit_prune", details={"count": deleted})
    return deleted


def retention_run(*, now: Any = None) -> RunResult:
    """The daily run: erase everything due (each item in its own transaction), then prune
    the audit log. Safe to run twice at once: an item is erased once."""
    result = RunResult()
    # Kind by kind, whole items first: a report erased with its case is not due again for
    # its receipt or messages.
    for kind in selectors.RULE:
        for item in list(selectors.due(now=now, kinds=[kind])):
            if item_erase(item=item):
                result.erased[item.kind] = result.erased.get(item.kind, 0) + 1
    result.audit_events = audit_prune(now=now)
    return result


# Legal holds

HOLDABLE: dict[str, type[Model]] = {"report": Report, "case": Case, "concern": ConcernEntry}


def hold_place(*, actor: User, kind: str, object_id: int, reason: str) -> LegalHold:
    """Keep one report, case or pupil-of-concern entry past its retention, with a reason."""
    model = HOLDABLE.get(kind)
    if model is None:
        raise InvalidInput(_("Some of the information given is not valid."))
    obj = model.objects.select_related("school").filter(pk=object_id).first()  # type: ignore[attr-defined]
    if obj is None or not access.can(actor, Perm.RETENTION_HOLD, obj.school):
        raise NotFound()
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(_("Give the reason for the legal hold."))
    with transaction.atomic():
        hold = LegalHold.objects.create(
            school=obj.school, reason=reason[:2000], placed_by=actor, **{kind: obj}
        )
        audit_record(
            actor=actor,
            action="retention.hold_place",
            obj=hold,
            org_unit=obj.school,
            details={"kind": kind, "object_id": obj.pk},
        )
    return hold


def hold_lift(*, actor: User, hold_id: int) -> LegalHold:
    with transaction.atomic():
        hold = (
            LegalHold.objects.select_for_update()
            .select_related("school")
            .filter(pk=hold_id, lifted_at__isnull=True)
            .first()
        )
        if hold is None or not access.can(actor, Perm.RETENTION_HOLD, hold.school):
            raise NotFound()
        hold.lifted_at, hold.lifted_by = timezone.now(), actor
        hold.save(update_fields=["lifted_at", "lifted_by"])
        audit_record(actor=actor, action="retention.hold_lift", obj=hold, org_unit=hold.school)
    return hold
