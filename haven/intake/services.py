"""Writes for reports: submission, follow-up by receipt, messages and triage actions.

Each function is one transaction that writes the report's timeline and the audit log (a
submission's timeline entry is the report row itself: ``Report.submitted_event``).
Anonymous submissions are audited with no actor and nothing about the sender.
"""

import datetime as dt
import hashlib
import time
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from haven.audit.services import audit_record, audit_values
from haven.intake import receipts, selectors, store
from haven.intake.files import CleanFile
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
from haven.intake.rules import CleanReport
from haven.intake.telegram import outbox as telegram_outbox
from haven.lib.errors import AccessDenied, HavenError, InvalidInput
from haven.lib.ttlcache import cached
from haven.notify import services as notify
from haven.notify.recipients import recipients
from haven.orgs import access
from haven.orgs.access import Perm
from haven.orgs.models import OrgUnit, Role
from haven.orgs.types import User
from haven.security.services import throttle_count, throttle_hit

OPEN_STATUSES = (Status.NEW, Status.IN_TRIAGE, Status.NEEDS_INFO)
# A reporter's conversation lasts for the life of the case: the school may still answer once a
# case is opened from the report, or after the report was merged into another.
CONVERSATION_STATUSES = (*OPEN_STATUSES, Status.CASE_OPENED, Status.MERGED)


class ReceiptInvalid(HavenError):
    status = 400
    default_message = gettext_lazy("This receipt was not found. Check that you copied all of it.")


class TooManyAttempts(HavenError):
    status = 429
    default_message = gettext_lazy("Too many attempts. Please wait a while and try again.")


class AlreadyReceived(HavenError):
    status = 409
    default_message = gettext_lazy(
        "This report was already received. Use the receipt you were shown to follow it up."
    )


def _audit(
    *, actor: User | None, action: str, report: Report, details: dict[str, Any] | None = None
) -> None:
    audit_record(actor=actor, action=action, obj=report, org_unit=report.school, details=details)


def _event(*, report: Report, kind: str, actor: User | None = None, **details: Any) -> ReportEvent:
    return ReportEvent.objects.create(
        report=report,
        kind=kind,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        details=details,
    )


def _attach(*, report: Report, files: list[CleanFile], from_reporter: bool) -> None:
    for item in files:
        ReportAttachment.objects.create(
            report=report,
            file=item.content,
            content_type=item.content_type,
            size=item.size,
            sha256=item.sha256,
            from_reporter=from_reporter,
        )


OVERALL_COUNT_SECONDS = 1

# Reports of the last minute, estimated from key to key: keys follow arrival, so the newest
# key minus the window's first one is about how many arrived. Two index reads whatever the
# traffic (counting rows read all of them: 35 ms at a country's load, in every process).
_OVERALL_SQL = (
    "SELECT COALESCE(MAX(id) - (SELECT id FROM intake_report WHERE created_at >= %s"
    " ORDER BY created_at LIMIT 1) + 1, 0) FROM intake_report"
)


def _recent_overall(since: dt.datetime, limit: int) -> int:
    """Anonymous reports since ``since``, counted exactly only when the estimate reaches the
    limit: keys are also used up by inserts that failed (a replayed submission refused as a
    duplicate), so the estimate alone would let one client close every school's channel."""
    with connection.cursor() as cursor:
        cursor.execute(_OVERALL_SQL, [since])
        estimate = int(cursor.fetchone()[0])
    return estimate if estimate < limit else _recent_anonymous(since, limit)


def _overall_throttle(now: dt.datetime) -> None:
    """Reports overall in the last minute, read from the reports themselves.

    Reading stored rows costs no extra write or commit and no lock, so the limit does not slow
    the channel it protects; two reports racing past a limit is fine. Each process reads the
    count at most every OVERALL_COUNT_SECONDS: a flood overshoots the limit by at most that long.
    """
    limit = settings.HAVEN_REPORTS_OVERALL
    count = cached(
        ("reports.overall", limit),
        OVERALL_COUNT_SECONDS,
        lambda: _recent_overall(now - dt.timedelta(minutes=1), limit),
    )
    if count >= limit:
        raise TooManyAttempts()


def _recent_anonymous(since: dt.datetime, limit: int) -> int:
    # Plain SQL: building the ORM query cost more than running it. The count stops at the
    # limit, so its cost does not grow with the traffic (the per-school count is in the store).
    with connection.cursor() as cursor:
        cursor.execute(store.RECENT_SQL.format(school=""), [since, limit])
        return int(cursor.fetchone()[0])


def _school_window(now: dt.datetime) -> dt.datetime:
    return now - dt.timedelta(minutes=10)


def report_submit(
    *,
    school: OrgUnit,
    data: CleanReport,
    language: str,
    entered_by: Any = None,
    submission_token: str = "",
) -> tuple[Report, receipts.Receipt]:
    """Store a report and return it with its receipt (the only time the receipt exists).

    ``data`` passed ``rules.report_clean`` (``staff`` when ``entered_by`` is given).
    ``submission_token`` comes from the form the reporter loaded, so pressing "send" twice,
    or reloading the page, does not store the report twice. Anonymous reports are limited
    per school (``HAVEN_REPORTS_PER_SCHOOL`` in ten minutes) and overall (a minute).
    """
    if school.kind != OrgUnit.Kind.SCHOOL:
        raise InvalidInput(_("Reports are made to a school."))
    now = timezone.now()
    if entered_by is not None:
        access.require(entered_by, Perm.REPORT_CREATE, school)
    else:
        _overall_throttle(now)

    receipt = receipts.generate()
    key = hashlib.sha256(submission_token.encode()).hexdigest() if submission_token else None
    report = store.new(
        Report,
        school_id=school.pk,
        class_unit_id=data.class_unit.pk if data.class_unit is not None else None,
        channel=data.channel,
        description=data.description,
        when_text=data.when_text,
        time_of_day=data.time_of_day,
        place=data.place,
        harms=sorted(set(data.harms)),
        urgent=data.urgent,  # decided by rules.report_clean
        affected=data.affected,
        reporter_role=data.reporter_role,
        contact=data.contact,
        language=language,
        receipt_lookup=receipt.lookup,
        receipt_hash=receipt.secret_hash,
        submission_key=key,
        entered_by_id=entered_by.pk if entered_by is not None else None,
        created_at=now,
        first_response_due=now + dt.timedelta(hours=school.jurisdiction.first_response_hours),
        notify_pending=True,  # the coordinators' e-mail, queued with the report
    )
    report.school = school  # str(report) names it, with no query
    # The timeline's "report received" is this row itself (Report.submitted_event).
    audit = audit_values(
        actor=entered_by,
        action="report.submit",
        obj=report,
        org_unit=school,
        details={"channel": data.channel, "files": len(data.files)},
    )
    anonymous = entered_by is None
    try:
        stored = store.report_store(
            report,
            audit,
            files=data.files,
            limit_since=_school_window(now) if anonymous else None,
            limit=settings.HAVEN_REPORTS_PER_SCHOOL,
        )
    except IntegrityError as exc:
        if key and Report.objects.filter(submission_key=key).exists():
            raise AlreadyReceived() from exc
        raise
    if not stored:
        raise TooManyAttempts()
    _wake_notifier()
    return report, receipt


# Per process: a notifier run is queued to start after this moment (time.monotonic()).
_notifier_queued_until = 0.0
NOTIFIER_BATCH = dt.timedelta(seconds=1)


def _wake_notifier() -> None:
    """Make sure a notifier run starts after this report is stored.

    The report's ``notify_pending`` is the durable queue entry; the task only wakes the
    worker. One task per second per process rather than one per report (queuing a task cost
    a fifth of the API's intake when profiled): a run is queued to start a second from now,
    and reports stored in the first half of that second rely on it. A report whose
    transaction outlasts that margin, or a process that dies between commit and queuing, is
    picked up by the clock tick (``notifier_sweep``).
    """
    global _notifier_queued_until
    from haven.intake.tasks import notify_pending_reports

    now = time.monotonic()
    if now < _notifier_queued_until:  # first: looking up the backend costs more
        return
    if not notify_pending_reports.get_backend().supports_defer:
        notify_pending_reports.enqueue()  # runs at once (tests, development without a worker)
        return
    notify_pending_reports.using(run_after=timezone.now() + NOTIFIER_BATCH).enqueue()
    until = now + NOTIFIER_BATCH.total_seconds() / 2

    def queued() -> None:
        global _notifier_queued_until
        _notifier_queued_until = until

    transaction.on_commit(queued)  # a rolled-back report leaves no task to rely on


def notifier_sweep(*, now: dt.datetime | None = None) -> bool:
    """Queue a notifier run if some report has waited over a minute for its e-mail."""
    from haven.intake.tasks import notify_pending_reports

    now = now or timezone.now()
    waiting = Report.objects.filter(
        notify_pending=True, created_at__lt=now - dt.timedelta(minutes=1)
    ).exists()
    if waiting:
        notify_pending_reports.enqueue()
    return waiting


def report_find(*, receipt_text: str) -> Report:
    """The report a receipt belongs to. Failures are throttled per receipt and overall."""
    overall = throttle_count(scope="followup.fail", key="", window_seconds=600)
    if overall >= settings.HAVEN_FOLLOWUP_FAILURES_OVERALL:
        raise TooManyAttempts()
    receipt = receipts.parse(receipt_text)
    if receipt is None:
        throttle_hit(scope="followup.fail", key="", window_seconds=600)
        raise ReceiptInvalid(
            _("This does not look like a receipt: it has 28 letters and digits, like %(example)s.")
            % {"example": "ABCD-EFGH-JKMN-PQRS-TVWX-YZ01-2345"}
        )
    per_receipt = throttle_count(scope="followup.receipt", key=receipt.lookup, window_seconds=3600)
    if per_receipt >= settings.HAVEN_FOLLOWUP_FAILURES_PER_RECEIPT:
        raise TooManyAttempts()
    report = (
        Report.objects.select_related("school__jurisdiction", "merged_into")
        .filter(receipt_lookup=receipt.lookup)
        .first()
    )
    if report is None or not receipts.matches(receipt, report.receipt_hash):
        throttle_hit(scope="followup.receipt", key=receipt.lookup, window_seconds=3600)
        throttle_hit(scope="followup.fail", key="", window_seconds=600)
        raise ReceiptInvalid()
    return report


def report_reporter_write(
    *,
    report: Report,
    body: str,
    files: list[CleanFile] = (),  # type: ignore[assignment]
) -> ReportMessage | None:
    """The reporter adds a message and/or files to their report."""
    body = body.strip()
    if not body and not files:
        raise InvalidInput(_("Write a message or add a file."))
    if len(body) > settings.HAVEN_REPORT_MAX_CHARS:
        raise InvalidInput(_("The message is too long."))
    with transaction.atomic():
        message = None
        event = None
        if body:
            message = ReportMessage.objects.create(report=report, sender=Sender.REPORTER, body=body)
            event = _event(report=report, kind=EventKind.REPORTER_MESSAGE)
        if files:
            _attach(report=report, files=list(files), from_reporter=True)
            event = _event(report=report, kind=EventKind.FILE_ADDED, count=len(files))
        fields: dict[str, Any] = {}
        if report.status == Status.NEEDS_INFO:
            fields["status"] = Status.IN_TRIAGE
        _update(report, fields)
        # Unread since the first message nobody has read (the stored value, not this copy's).
        now = timezone.now()
        Report.objects.filter(pk=report.pk, unread_since__isnull=True).update(unread_since=now)
        report.unread_since = report.unread_since or now
        _audit(actor=None, action="report.reporter_write", report=report)
        if event is not None:  # always: a body or files, checked above
            _alert_reporter_wrote(report, event)
    return message


def _alert_reporter_wrote(report: Report, event: ReportEvent) -> None:
    """Tell whoever answers the reporter that they wrote: the lead of the case the report (or
    the one it was merged into) is handled in, with a link to the case, else the school's
    coordinators (else its principal, as for a new report) with a link to the report. A link
    only, never what the reporter wrote."""
    found = _rule("cases.report_alert", report)
    if found:
        to, link = found
    else:
        to = recipients(report.school, roles=[Role.COORDINATOR, Role.PRINCIPAL])
        link = ("intake:report_detail", [report.pk])
    notify.message_send(
        to=to,
        kind="intake.reporter_wrote",
        key=f"report:{report.pk}:wrote:{event.pk}",
        template="intake/email/reporter_wrote",
        context={"report": report},
        unit=report.school,
        link=link,
    )


def _rule(name: str, *args: Any) -> Any:
    """A rule of cases (a layer above, registered there), or None where it is not."""
    try:
        return access.rule(name)(*args)
    except AccessDenied:
        return None


def may_answer(actor: User, report: Report) -> bool:
    """Write to the reporter: the school's triage staff, or whoever may manage the case the
    report (or the one it was merged into) is handled in."""
    if access.can(actor, Perm.REPORT_TRIAGE, report.school):
        return True
    return bool(_rule("cases.may_answer_report", actor, report))


def _require_triage(actor: User, report: Report) -> None:
    if not access.can(actor, Perm.REPORT_TRIAGE, report.school):
        raise AccessDenied()


def _first_response(report: Report, fields: dict[str, Any]) -> None:
    if report.first_responded_at is None:
        fields["first_responded_at"] = timezone.now()
    if report.status == Status.NEW and "status" not in fields:
        fields["status"] = Status.IN_TRIAGE


# What the reporter is told of each of the school's statuses (a case's state tells its own,
# through report_link_to_case and report_public_status_set; a merged report follows its target).
PUBLIC_OF_STATUS = {
    Status.NEW: PublicStatus.RECEIVED,
    Status.IN_TRIAGE: PublicStatus.HANDLING,
    Status.NEEDS_INFO: PublicStatus.HANDLING,
    Status.DISMISSED: PublicStatus.CLOSED,
}


def _public_set(reports: list[Report], public: str) -> None:
    """Store ``public`` as what the reporters of ``reports`` are told, and of every report
    merged into them (along the chain: a merged report tells what the one it joined tells)."""
    ids = selectors.report_ids_with_merged({r.pk for r in reports})
    Report.objects.filter(pk__in=ids).exclude(public_status=public).update(public_status=public)
    for report in reports:
        report.public_status = public


def _update(report: Report, fields: dict[str, Any]) -> None:
    public = PUBLIC_OF_STATUS.get(fields.get("status"))  # type: ignore[arg-type]
    if fields.get("status") == Status.MERGED:
        public = fields["merged_into"].public_status
    Report.objects.filter(pk=report.pk).update(**fields)
    for name, value in fields.items():
        setattr(report, name, value)
    if public is not None and public != report.public_status:
        _public_set([report], public)


def report_set_urgent(*, actor: User, report: Report, urgent: bool) -> Report:
    """A staff member marks a report urgent (they have it: nobody else needs chasing) or not."""
    _require_triage(actor, report)
    if report.urgent == urgent:
        return report
    with transaction.atomic():
        fields: dict[str, Any] = {"urgent": urgent, "urgent_next_at": None}
        if urgent and report.acknowledged_at is None:
            fields.update(acknowledged_at=timezone.now(), acknowledged_by=actor)
        _first_response(report, fields)
        _update(report, fields)
        _event(
            report=report, kind=EventKind.URGENT if urgent else EventKind.NOT_URGENT, actor=actor
        )
        _audit(actor=actor, action="report.urgent", report=report, details={"urgent": urgent})
    return report


def report_staff_write(
    *, actor: User, report: Report, body: str, ask_for_information: bool = False
) -> ReportMessage:
    """A reply the reporter will read with their receipt; optionally asking for more.

    The conversation goes on after a case is opened and after a merge (the case team answers
    each reporter); asking for more changes the triage status only while the report is open.
    Answering reads the reporter's messages: they are no longer unread."""
    if not may_answer(actor, report):
        raise AccessDenied()
    body = body.strip()
    if not body:
        raise InvalidInput(_("The message is empty."))
    if len(body) > settings.HAVEN_REPORT_MAX_CHARS:
        raise InvalidInput(_("The message is too long."))
    if report.status not in CONVERSATION_STATUSES:
        raise InvalidInput(_("This report is closed."))
    with transaction.atomic():
        message = ReportMessage.objects.create(
            report=report, sender=Sender.STAFF, author=actor, body=body
        )
        fields: dict[str, Any] = {"unread_since": None}
        if ask_for_information and report.status in OPEN_STATUSES:
            fields["status"] = Status.NEEDS_INFO
        _first_response(report, fields)
        _update(report, fields)
        kind = EventKind.INFO_REQUESTED if ask_for_information else EventKind.STAFF_MESSAGE
        _event(report=report, kind=kind, actor=actor)
        _audit(actor=actor, action=f"report.{kind}", report=report)
        # A report made over Telegram gets the answer in its chat too (sent after commit).
        telegram_outbox.staff_wrote(report=report, body=body)
    return message


def report_merge(*, actor: User, report: Report, into: Report) -> Report:
    """``report`` tells of the same thing as ``into``: it follows ``into`` from now on."""
    _require_triage(actor, report)
    if into.pk == report.pk or into.school_id != report.school_id:
        raise InvalidInput(_("A report can only be merged into another report of the same school."))
    if into.status == Status.MERGED:
        raise InvalidInput(_("That report was itself merged; choose the one it was merged into."))
    if report.status not in OPEN_STATUSES:
        raise InvalidInput(_("This report is closed."))
    with transaction.atomic():
        # The merged reporter hears what the other report's reporter hears, outcome included.
        fields: dict[str, Any] = {"status": Status.MERGED, "merged_into": into}
        if into.outcome:
            fields["outcome"] = into.outcome
        _first_response(report, fields)
        _update(report, fields)
        _event(report=report, kind=EventKind.MERGED, actor=actor, into=into.pk)
        _event(report=into, kind=EventKind.MERGED, actor=actor, merged=report.pk)
        _audit(actor=actor, action="report.merge", report=report, details={"into": into.pk})
    return report


def report_dismiss(*, actor: User, report: Report, reason: str) -> Report:
    _require_triage(actor, report)
    reason = reason.strip()
    if not reason:
        raise InvalidInput(_("Give the reason for dismissing the report."))
    if report.status not in OPEN_STATUSES:
        raise InvalidInput(_("This report is closed."))
    with transaction.atomic():
        fields: dict[str, Any] = {"status": Status.DISMISSED, "dismiss_reason": reason}
        _first_response(report, fields)
        _update(report, fields)
        _event(report=report, kind=EventKind.DISMISSED, actor=actor)
        _audit(actor=actor, action="report.dismiss", report=report, details={"reason": reason})
    return report


def report_record_view(*, actor: User, report: Report, attachment: int | None = None) -> None:
    """Who opened which report or file is audited: reading a child's report is an act too.

    Opening the report (or the case showing its conversation) reads the reporter's messages
    when the reader is one who answers them; an inspector reading over the school's shoulder
    leaves them unread for the school."""
    with transaction.atomic():
        if attachment is None:
            _audit(actor=actor, action="report.view", report=report)
            if may_answer(actor, report):
                Report.objects.filter(pk=report.pk, unread_since__isnull=False).update(
                    unread_since=None
                )
                report.unread_since = None
        else:
            _audit(
                actor=actor, action="report.file_view", report=report, details={"file": attachment}
            )


def report_link_to_case(*, actor: User, report: Report, case: Any, reporter_sees: str) -> None:
    """``report`` is handled in ``case`` from now on (cases calls this when it opens a case
    from reports; the link itself is the case's). ``reporter_sees``: what the case's state
    lets the reporter know (its procedure's ``reporter_sees``). Inside the caller's
    transaction: the report's status, timeline and audit."""
    with transaction.atomic():
        _update(report, {"status": Status.CASE_OPENED})
        _public_set([report], PublicStatus(reporter_sees))
        _event(report=report, kind=EventKind.CASE_OPENED, actor=actor, case=case.pk)
        _audit(actor=actor, action="report.case_opened", report=report, details={"case": case.pk})


def report_public_status_set(*, reports: list[Report], status: str) -> None:
    """What the reporters of ``reports`` are told changed (cases calls this when a case's new
    state tells them something else); reports merged into them follow."""
    _public_set(list(reports), PublicStatus(status))


def report_outcome_set(*, reports: list[Report], names: dict[str, str], note: str = "") -> None:
    """The outcome the reporters of ``reports`` (and of reports merged into them) read when
    the case closes: a closing message of the procedure, in its languages, and the case
    lead's optional words. Cases calls this inside the closing step's transaction."""
    outcome = {"names": dict(names), "note": note.strip()}
    ids = selectors.report_ids_with_merged({r.pk for r in reports})
    Report.objects.filter(pk__in=ids).update(outcome=outcome)
    for report in reports:
        report.outcome = outcome


def report_acknowledge(*, actor: User, report: Report) -> Report:
    """Someone who may read the report takes it on ("I have it"), which stops the
    urgent path from telling the levels above (and counts as the school's first response)."""
    if not selectors.report_visible(user=actor).filter(pk=report.pk).exists():
        raise AccessDenied()
    if report.acknowledged_at is not None:
        return report
    with transaction.atomic():
        now = timezone.now()
        claimed = Report.objects.filter(pk=report.pk, acknowledged_at__isnull=True).update(
            acknowledged_at=now, acknowledged_by=actor, urgent_next_at=None
        )
        if not claimed:  # someone else was quicker
            report.refresh_from_db()
            return report
        report.acknowledged_at, report.acknowledged_by, report.urgent_next_at = now, actor, None
        fields: dict[str, Any] = {}
        _first_response(report, fields)
        if fields:
            _update(report, fields)
        _event(report=report, kind=EventKind.ACKNOWLEDGED, actor=actor)
        _audit(actor=actor, action="report.acknowledge", report=report)
    return report
