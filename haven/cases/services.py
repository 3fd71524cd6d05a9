"""Writes for cases. Every change goes through the procedure engine, in one transaction with
its timeline entry and audit event."""

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import gettext as _

from haven.audit.services import audit_record
from haven.cases import access as case_access
from haven.cases.access import Perm
from haven.cases.models import (
    Appeal,
    Case,
    CaseAttachment,
    CaseEvent,
    CaseMeasure,
    CaseMember,
    CaseNote,
    CaseNotification,
    CaseParty,
    CaseTimer,
    Referral,
    TeamRole,
)
from haven.intake import services as intake_services
from haven.intake.models import Report
from haven.lib import clock
from haven.lib.errors import AccessDenied, InvalidInput
from haven.notify import services as notify
from haven.notify.recipients import recipients
from haven.orgs import access
from haven.orgs.calendar import calendar_for
from haven.orgs.models import OrgUnit, Role, User
from haven.procedures import engine, loader
from haven.procedures.loader import PUPIL_SIDES, Procedure, Timer
from haven.security.fields import seal

EDITABLE = {"title", "narrative", "case_type", "severity", "determination", "determination_reason"}


def procedure_of(case: Case) -> Procedure:
    """The procedure version the case started under, even after the file changed."""
    return loader.get(case.procedure_code, case.procedure_version)


def _event(case: Case, kind: str, actor: User | None, **details: Any) -> None:
    CaseEvent.objects.create(
        case=case,
        kind=kind,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        details=details,
    )


def _audit(actor: User | None, action: str, case: Case, **details: Any) -> None:
    audit_record(actor=actor, action=action, obj=case, org_unit=case.school, details=details)


def _deadline(
    case: Case, timer: Timer, start: dt.datetime
) -> tuple[dt.datetime, dt.datetime | None]:
    jurisdiction = case.school.jurisdiction
    calendar = calendar_for(case.school)
    override = (jurisdiction.deadline_overrides or {}).get(timer.code) if timer.default else None
    if override:
        unit, amount = next(iter(override.items()))
    else:
        unit, amount = timer.deadline.unit, timer.deadline.amount
    due = clock.add(start, int(amount), unit, calendar)
    remind = None
    if timer.remind_before is not None:
        before = timer.remind_before
        remind = clock.subtract(due, before.amount, before.unit, calendar)
    return due, remind


def case_facts(case: Case) -> dict[str, str]:
    """The facts a procedure's conditions (``when``) look at; ``pupils``: the sides (victim,
    aggressor) on which the case has a pupil, i.e. a party who is not staff."""
    sides = case.parties.filter(is_staff=False, role__in=PUPIL_SIDES).values_list("role", flat=True)
    return {
        "severity": case.severity,
        "case_type": case.case_type,
        "pupils": " ".join(sorted(set(sides))),
    }


def _already_met(case: Case, timer: Timer) -> bool:
    """A deadline whose notification is already on record does not start (the parents may have
    been told before the case reached the step that makes it due)."""
    codes = [e.partition(":")[2] for e in timer.stops if e.startswith("notification:")]
    return bool(codes) and case.notifications.filter(code__in=codes).exists()


def _start_timers(case: Case, procedure: Procedure, event: str, now: dt.datetime) -> None:
    facts = case_facts(case)
    for timer in engine.timers_started_by(procedure, event):
        if not engine.timer_applies(timer, facts) or _already_met(case, timer):
            continue
        due, remind = _deadline(case, timer, now)
        CaseTimer.objects.get_or_create(
            case=case,
            code=timer.code,
            defaults={"started_at": now, "due_at": due, "remind_at": remind},
        )


def _happened(case: Case, event: str) -> bool:
    kind, _sep, ref = event.partition(":")
    if event == "opened":
        return True
    if kind == "state":
        return (
            ref == procedure_of(case).initial_state.code
            or case.state == ref
            or case.events.filter(kind="transition", details__after=ref).exists()
        )
    return kind == "notification" and case.notifications.filter(code=ref).exists()


def _resync_conditional_timers(case: Case, procedure: Procedure, actor: User) -> None:
    """After the severity or the case type changed: a deadline with a condition starts now if
    the case newly meets it (and its starting event already happened), and is dropped if the
    case no longer does. One that was already reminded or escalated is kept, stopped."""
    if case.closed_at is not None:
        return
    now = timezone.now()
    facts = case_facts(case)
    existing = {t.code: t for t in case.timers.all()}
    for timer in engine.conditional_timers(procedure):
        row = existing.get(timer.code)
        if engine.timer_applies(timer, facts):
            if row is not None or not _happened(case, timer.starts):
                continue
            if any(_happened(case, event) for event in timer.stops):
                continue
            due, remind = _deadline(case, timer, now)
            CaseTimer.objects.get_or_create(
                case=case,
                code=timer.code,
                defaults={"started_at": now, "due_at": due, "remind_at": remind},
            )
        elif row is not None and row.stopped_at is None:
            # One conditional statement each, so a sweep claiming the timer at the same moment
            # either finds it gone or has it kept (stopped) with its reminder or escalation.
            untouched = CaseTimer.objects.filter(
                pk=row.pk, reminded_at__isnull=True, escalated_at__isnull=True
            )
            if not untouched.delete()[0]:
                CaseTimer.objects.filter(pk=row.pk).update(stopped_at=now)
            _event(case, "deadline_dropped", actor, timer=timer.code)


def _stop_timers(case: Case, procedure: Procedure, event: str, now: dt.datetime) -> None:
    codes = engine.timers_stopped_by(procedure, event)
    if codes:
        case.timers.filter(code__in=codes, stopped_at__isnull=True).update(stopped_at=now)


# Free text kept in a column or a timeline entry: longer than this is refused, not stored.
TEXT_LIMIT = 500


def _within(text: str, limit: int) -> None:
    """Refuse ``text`` over ``limit`` characters in Django's own translated words (PostgreSQL
    would refuse a too long column value with a server error)."""
    try:
        MaxLengthValidator(limit)(text)
    except ValidationError as exc:
        raise InvalidInput(" ".join(exc.messages)) from exc


def case_open(
    *,
    actor: User,
    school: OrgUnit,
    title: str,
    narrative: str = "",
    reports: list[Report] | None = None,
    case_type: str = "",
) -> Case:
    """Open a case at ``school``, optionally from reports, with the actor as its lead."""
    access.require(actor, Perm.CASE_MANAGE, school)
    title = title.strip()
    if not title:
        raise InvalidInput(_("Give the case a short title (no names)."))
    _within(title, Case._meta.get_field("title").max_length or TEXT_LIMIT)
    reports = reports or []
    if any(report.school_id != school.pk for report in reports):
        raise InvalidInput(_("All reports must come from the case's school."))
    procedure = loader.get(school.jurisdiction.procedure_code)
    if case_type and case_type not in {t.code for t in procedure.case_types}:
        raise InvalidInput(_("Unknown case type."))
    now = timezone.now()
    with transaction.atomic():
        case = Case.objects.create(
            school=school,
            procedure_code=procedure.code,
            procedure_version=procedure.version,
            state=procedure.initial_state.code,
            title=title,
            narrative=narrative.strip() or "\n\n".join(r.description for r in reports),
            case_type=case_type,
            opened_at=now,
            opened_by=actor,
        )
        CaseMember.objects.create(case=case, user=actor, role=TeamRole.LEAD)
        if reports:
            case.reports.set(reports)
            # The reports' status, timeline and audit are intake's to write.
            seen = procedure.initial_state.reporter_sees
            for report in reports:
                intake_services.report_link_to_case(
                    actor=actor, report=report, case=case, reporter_sees=seen
                )
        _start_timers(case, procedure, "opened", now)
        _event(case, "opened", actor, reports=[r.pk for r in reports])
        _audit(actor, "case.open", case, reports=[r.pk for r in reports])
    return case


def _require_manage(actor: User, case: Case) -> None:
    if not case_access.can_manage_case(actor, case):
        raise AccessDenied()


def case_update(*, actor: User, case: Case, changes: dict[str, Any]) -> Case:
    """Change the case's facts; codes must be the procedure's own."""
    _require_manage(actor, case)
    unknown = set(changes) - EDITABLE
    if unknown:
        raise InvalidInput(_("These fields cannot be changed here."))
    procedure = procedure_of(case)
    for field, kind in (
        ("case_type", "case_types"),
        ("severity", "severities"),
        ("determination", "determinations"),
    ):
        value = changes.get(field)
        if value and value not in {item.code for item in getattr(procedure, kind)}:
            raise InvalidInput(_("This choice is not part of the case's procedure."))
    if "title" in changes and not str(changes["title"]).strip():
        raise InvalidInput(_("Give the case a short title (no names)."))
    if not procedure.is_graded(changes.get("case_type", case.case_type)):
        # Only the graded types have a severity (Romania: violence between pupils).
        changes = {**changes, "severity": ""}
    changed = {k: v for k, v in changes.items() if getattr(case, k) != v}
    if not changed:
        return case
    with transaction.atomic():
        for field, value in changed.items():
            setattr(case, field, value)
        # save(), not update(): the narrative is sealed on its way to the database.
        case.save(update_fields=sorted(changed))
        if {"severity", "case_type"} & set(changed):
            _resync_conditional_timers(case, procedure, actor)
        # The timeline says what changed, never the content of the narrative.
        _event(case, "updated", actor, fields=sorted(changed))
        _audit(actor, "case.update", case, fields=sorted(changed))
    return case


def filled_fields(case: Case) -> set[str]:
    filled = {
        f for f in ("case_type", "severity", "determination", "narrative") if getattr(case, f)
    }
    if case.categories:
        filled.add("categories")
    if case.parties.exists():
        filled.add("parties")
    if case.case_type and not procedure_of(case).is_graded(case.case_type):
        filled.add("severity")  # a type the procedure does not grade needs no severity
    return filled


def case_transition(
    *,
    actor: User,
    case: Case,
    code: str,
    members_present: str = "",
    confirmed: list[str] | None = None,
    closing_message: str = "",
    closing_note: str = "",
) -> Case:
    """Take the procedure step ``code``: the engine checks who, from where and what it needs.
    A body's decision (``members_present: true`` in the file) records who of it took part; a
    step with statements to ``confirm`` records that they were. A step that closes the case
    may tell its reporters the outcome: one of the procedure's ``closing_messages`` and,
    optionally, a few words of the lead's own (ignored by steps that do not close it)."""
    procedure = procedure_of(case)
    roles = case_access.case_roles(actor, case)
    if not roles:
        raise AccessDenied()
    _within(members_present.strip(), TEXT_LIMIT)
    _within(closing_note.strip(), TEXT_LIMIT)
    closing = None
    if closing_message:
        closing = closing_messages(case).get(closing_message)
        if closing is None:
            raise InvalidInput(_("This choice is not part of the case's procedure."))
    with transaction.atomic():
        # Lock the case: two people pressing two steps at once must not both succeed.
        case = (
            Case.objects.select_for_update().select_related("school__jurisdiction").get(pk=case.pk)
        )
        notified = set(case.notifications.values_list("code", flat=True))
        transition = engine.check_transition(
            procedure,
            state=case.state,
            code=code,
            roles=roles,
            filled=filled_fields(case),
            notified=notified,
            facts=case_facts(case),
            members_present=members_present,
            confirmed=confirmed or [],
        )
        now = timezone.now()
        before = case.state
        extra: dict[str, Any] = {}
        fields: dict[str, Any] = {"state": transition.target}
        if procedure.state(transition.target).final:
            fields["closed_at"] = now
            case.timers.filter(stopped_at__isnull=True).update(stopped_at=now)
        Case.objects.filter(pk=case.pk).update(**fields)
        for name, value in fields.items():
            setattr(case, name, value)
        seen = procedure.state(transition.target).reporter_sees
        # Reporters hear of their report's latest case only.
        later = Case.objects.filter(reports=OuterRef("pk")).filter(
            Q(opened_at__gt=case.opened_at) | Q(opened_at=case.opened_at, pk__gt=case.pk)
        )
        told = case.reports.filter(~Exists(later))
        if seen != procedure.state(before).reporter_sees:
            intake_services.report_public_status_set(reports=list(told), status=seen)
        final = procedure.state(transition.target).final
        if final and (closing is not None or closing_note.strip()):
            intake_services.report_outcome_set(
                reports=list(told), names=closing.names if closing else {}, note=closing_note
            )
            extra["closing"] = closing.code if closing else ""
        event = f"state:{transition.target}"
        _stop_timers(case, procedure, event, now)
        _start_timers(case, procedure, event, now)
        if transition.members_present:
            extra["members"] = members_present.strip()
        if transition.confirm:
            extra["confirmed"] = [item.code for item in transition.confirm]
        _event(
            case, "transition", actor, step=code, before=before, after=transition.target, **extra
        )
        _audit(actor, "case.transition", case, step=code, before=before, after=transition.target)
    return case


def closing_messages(case: Case) -> dict[str, loader.Named]:
    """The messages a reporter may be told when ``case`` closes, by code: its procedure
    version's, else the current file's (closing messages came after some versions were
    kept, and they change no rule of a running case)."""
    found = procedure_of(case).closing_messages or loader.get(case.procedure_code).closing_messages
    return {m.code: m for m in found}


def case_notification_record(
    *,
    actor: User,
    case: Case,
    code: str,
    recipient: str,
    method: str,
    notified_at: dt.datetime,
    proof: str,
) -> CaseNotification:
    _require_manage(actor, case)
    procedure = procedure_of(case)
    if code not in {n.code for n in procedure.notifications}:
        raise InvalidInput(_("This notification is not part of the case's procedure."))
    if method not in CaseNotification.Method.values:
        raise InvalidInput(_("Choose how the notification was made."))
    if not recipient.strip() or not proof.strip():
        raise InvalidInput(_("Say to whom it was made and what proves it."))
    if notified_at > timezone.now() + dt.timedelta(minutes=5):
        raise InvalidInput(_("A notification cannot be recorded in the future."))
    with transaction.atomic():
        record = CaseNotification.objects.create(
            case=case,
            code=code,
            recipient=recipient.strip(),
            method=method,
            notified_at=notified_at,
            proof=proof.strip(),
            recorded_by=actor,
        )
        now = timezone.now()
        _stop_timers(case, procedure, f"notification:{code}", now)
        _start_timers(case, procedure, f"notification:{code}", now)
        _event(case, "notification", actor, code=code, method=method)
        _audit(actor, "case.notification", case, code=code)
    return record


def case_party_add(
    *,
    actor: User,
    case: Case,
    role: str,
    description: str = "",
    is_staff: bool = False,
    pupil: Any = None,
) -> CaseParty:
    _require_manage(actor, case)
    if pupil is not None and pupil.school_id != case.school_id:
        raise InvalidInput(_("This pupil is not at the case's school."))
    if pupil is None and not description.strip():
        raise InvalidInput(_("Say who the party is."))
    description = description.strip() or str(pupil)
    with transaction.atomic():
        party = CaseParty.objects.create(
            case=case, role=role, description=description, is_staff=is_staff, pupil=pupil
        )
        _event(case, "party", actor, role=role)
        _audit(actor, "case.party", case, role=role)
        # A pupil on a new side may make a notification due (Romania: that side's parents);
        # the facts are read afresh, not from the caller's possibly older copy of the case.
        case.refresh_from_db()
        _resync_conditional_timers(case, procedure_of(case), actor)
    return party


def case_member_add(*, actor: User, case: Case, user: User, role: str) -> CaseMember:
    """The coordinator chooses who needs to know; only people of the school or above."""
    _require_manage(actor, case)
    if role not in TeamRole.values:
        raise InvalidInput(_("Unknown role in the case."))
    if not access.roles_on(user, case.school):
        raise InvalidInput(_("Only people with a role at this school can join its case team."))
    with transaction.atomic():
        member, _created = CaseMember.objects.update_or_create(
            case=case, user=user, defaults={"role": role}
        )
        _event(case, "team", actor, user=user.pk, role=role)
        _audit(actor, "case.team", case, user=user.email, role=role)
    return member


def case_note_add(*, actor: User, case: Case, body: str, restricted: bool = False) -> CaseNote:
    if not case_access.cases_visible(actor).filter(pk=case.pk).exists():
        raise AccessDenied()
    if not case_access.case_sees_everything(actor, case):
        raise AccessDenied()
    if not body.strip():
        raise InvalidInput(_("The note is empty."))
    if restricted and Role.PSYCHOLOGIST not in access.roles_on(actor, case.school):
        raise InvalidInput(_("Only the psychologist writes restricted notes."))
    with transaction.atomic():
        note = CaseNote.objects.create(
            case=case, author=actor, body=body.strip(), restricted=restricted
        )
        _event(case, "note", actor, restricted=restricted)
        _audit(actor, "case.note", case, restricted=restricted)
    return note


def referral_send(*, actor: User, case: Case, kind: str, agency: OrgUnit, message: str) -> Referral:
    _require_manage(actor, case)
    procedure = procedure_of(case)
    if kind not in {r.code for r in procedure.referrals}:
        raise InvalidInput(_("This kind of referral is not part of the case's procedure."))
    if not message.strip():
        raise InvalidInput(_("Say what the agency needs to know."))
    if not agency.memberships.filter(role=Role.AGENCY).exists():
        raise InvalidInput(_("Nobody at this unit can receive referrals."))
    with transaction.atomic():
        referral = Referral.objects.create(
            case=case, kind=kind, agency=agency, message=message.strip(), sent_by=actor
        )
        _event(case, "referral", actor, referral_kind=kind, agency=agency.pk)
        _audit(actor, "case.referral", case, kind=kind, agency=agency.pk)
        # The agency's own people (never the units above it): the link opens the referral.
        _tell_about(
            recipients(agency, roles=[Role.AGENCY], fallback_up=False),
            "referral_sent",
            key=f"referral:{referral.pk}:sent",
            case=case,
            link=("cases:referral_detail", [referral.pk]),
        )
    return referral


ANSWERS: dict[str, set[str]] = {
    Referral.Status.SENT: {Referral.Status.ACCEPTED, Referral.Status.REJECTED},
    Referral.Status.ACCEPTED: {Referral.Status.DONE},
}


def referral_answer(*, actor: User, referral: Referral, status: str, answer: str = "") -> Referral:
    """The agency accepts, rejects with a reason, or reports the referral done."""
    if not case_access.referrals_for_agency(actor).filter(pk=referral.pk).exists():
        raise AccessDenied()
    if status not in ANSWERS.get(referral.status, set()):
        raise InvalidInput(_("This answer is not possible now."))
    if status == Referral.Status.REJECTED and not answer.strip():
        raise InvalidInput(_("Give the reason for rejecting the referral."))
    with transaction.atomic():
        Referral.objects.filter(pk=referral.pk).update(
            status=status,
            answer=seal(referral, "answer", answer.strip()),
            answered_at=timezone.now(),
            answered_by=actor,
        )
        referral.refresh_from_db()
        _event(referral.case, "referral_answer", actor, referral=referral.pk, status=status)
        _audit(actor, "referral.answer", referral.case, referral=referral.pk, status=status)
        _tell_about(
            _leads(referral.case),
            "referral_answered",
            key=f"referral:{referral.pk}:{status}",
            case=referral.case,
            link=("cases:case_detail", [referral.case_id]),
        )
    return referral


def clock_sweep(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Send the reminders that are due and escalate the deadlines that passed.

    Safe to run often and in parallel: each timer is claimed by one conditional UPDATE, in the
    transaction that writes its outbox messages, so a reminder or an escalation happens exactly
    once. Only due timers are read (partial indexes), so the cost follows the work due, not the
    number of open cases. The messages are queued for sending once all are committed.
    """
    now = now or timezone.now()
    done = {"reminded": 0, "escalated": 0}
    written: list[int] = []
    due_reminders = CaseTimer.objects.filter(
        stopped_at__isnull=True, reminded_at__isnull=True, remind_at__lte=now
    ).values_list("pk", flat=True)
    for pk in list(due_reminders[:1000]):
        with transaction.atomic():
            claimed = CaseTimer.objects.filter(pk=pk, reminded_at__isnull=True).update(
                reminded_at=now
            )
            if claimed:
                timer = _timer(pk)
                team = timer.case.team.filter(role=TeamRole.LEAD).select_related("user")
                leads = [m.user for m in team]
                written += _tell(leads, "reminder", timer)
                done["reminded"] += 1
    due_escalations = CaseTimer.objects.filter(
        stopped_at__isnull=True, escalated_at__isnull=True, due_at__lte=now
    ).values_list("pk", flat=True)
    for pk in list(due_escalations[:1000]):
        with transaction.atomic():
            claimed = CaseTimer.objects.filter(pk=pk, escalated_at__isnull=True).update(
                escalated_at=now
            )
            if not claimed:
                continue
            timer = _timer(pk)
            role = escalation_role(timer)
            if role == Role.INSPECTOR:
                # From now on the inspectors above see this case.
                Case.objects.filter(pk=timer.case_id, escalated_at__isnull=True).update(
                    escalated_at=now
                )
            _event(timer.case, "escalated", None, timer=timer.code)
            _audit(None, "case.escalate", timer.case, timer=timer.code)
            # Inspectors: the nearest level above that has some, never the school's own people.
            told = recipients(timer.case.school, roles=[role], exclude_unit=role == Role.INSPECTOR)
            written += _tell(told, "escalation", timer)
            done["escalated"] += 1
    notify.messages_queue(written)
    return done


def _timer(pk: int) -> CaseTimer:
    return CaseTimer.objects.select_related("case__school__jurisdiction").get(pk=pk)


def _tell(users: list[User], template: str, timer: CaseTimer) -> list[int]:
    """Write the reminder or escalation messages of ``timer`` (templates cases/email/*)."""
    found = engine.timer(procedure_of(timer.case), timer.code)
    # Lazy: rendered in each recipient's language (a notification's reads "Notify: <whom>").
    deadline = lazy(lambda: found.name if found else timer.code, str)()
    return notify.message_send(
        to=users,
        kind=f"cases.{template}",
        key=f"timer:{timer.pk}:{template}",
        template=f"cases/email/{template}",
        context={"timer": timer, "deadline": deadline},
        unit=timer.case.school,
        link=("cases:case_detail", [timer.case_id]),
        queue=False,
    )


def _leads(case: Case) -> list[User]:
    return [m.user for m in case.team.filter(role=TeamRole.LEAD).select_related("user")]


def _tell_about(
    users: list[User], template: str, *, key: str, case: Case, link: notify.Link
) -> list[int]:
    """Tell ``users`` that something happened on ``case`` (templates cases/email/*): a link,
    in each one's language, never the case's content. Sent once the transaction commits."""
    return notify.message_send(
        to=users,
        kind=f"cases.{template}",
        key=key,
        template=f"cases/email/{template}",
        context={"case": case, "school": case.school.name},
        unit=case.school,
        link=link,
    )


def case_record_view(*, actor: User, case: Case) -> None:
    """Who opened which case is audited."""
    with transaction.atomic():
        _audit(actor, "case.view", case)


def appeal_file(*, actor: User, case: Case, filed_by: str, grounds: str) -> Appeal:
    """Record a family's appeal of the determination; the procedure says who decides, by when."""
    _require_manage(actor, case)
    procedure = procedure_of(case)
    if procedure.appeal is None:
        raise InvalidInput(_("This procedure has no appeal."))
    if not case.determination:
        raise InvalidInput(_("There is no determination to appeal yet."))
    if not filed_by.strip() or not grounds.strip():
        raise InvalidInput(_("Say who appeals and on what grounds."))
    if case.appeals.filter(outcome=Appeal.Outcome.PENDING).exists():
        raise InvalidInput(_("An appeal is already waiting for its decision."))
    now = timezone.now()
    deadline = procedure.appeal.deadline
    due = clock.add(now, deadline.amount, deadline.unit, calendar_for(case.school))
    with transaction.atomic():
        appeal = Appeal.objects.create(
            case=case,
            filed_by=filed_by.strip(),
            grounds=grounds.strip(),
            filed_at=now,
            recorded_by=actor,
            due_at=due,
        )
        _event(case, "appeal", actor, appeal=appeal.pk)
        _audit(actor, "case.appeal", case, appeal=appeal.pk)
        # The reviewer the procedure names; an inspector is the nearest level above the school
        # that has one (as for escalations), never the school's own people.
        reviewer = procedure.appeal.reviewer
        _tell_about(
            recipients(case.school, roles=[reviewer], exclude_unit=reviewer == Role.INSPECTOR),
            "appeal_lodged",
            key=f"appeal:{appeal.pk}",
            case=case,
            link=("cases:case_detail", [case.pk]),
        )
    return appeal


def appeal_extend(*, actor: User, appeal: Appeal) -> Appeal:
    """The reviewer extends the decision's deadline, once, by what the procedure allows
    (Romania: 30 days for a petition, extendable by up to 15, OG 27/2002 art. 8)."""
    case = appeal.case
    procedure = procedure_of(case)
    rule = procedure.appeal
    if rule is None or rule.reviewer not in case_access.case_roles(actor, case):
        raise AccessDenied()
    if rule.extension is None:
        raise InvalidInput(_("This procedure does not allow extending the appeal's deadline."))
    if appeal.outcome != Appeal.Outcome.PENDING:
        raise InvalidInput(_("This appeal was already decided."))
    with transaction.atomic():
        appeal = Appeal.objects.select_for_update().get(pk=appeal.pk)
        if case.events.filter(kind="appeal_extended", details__appeal=appeal.pk).exists():
            raise InvalidInput(_("The appeal's deadline was already extended once."))
        ext = rule.extension
        appeal.due_at = clock.add(appeal.due_at, ext.amount, ext.unit, calendar_for(case.school))
        Appeal.objects.filter(pk=appeal.pk).update(due_at=appeal.due_at)
        _event(case, "appeal_extended", actor, appeal=appeal.pk)
        _audit(actor, "case.appeal_extend", case, appeal=appeal.pk)
    return appeal


def appeal_judgment(appeal: Appeal) -> str:
    """The judgment recorded for ``appeal`` by the body the procedure names, or ""."""
    event = (
        appeal.case.events.filter(kind="appeal_judgment", details__appeal=appeal.pk)
        .order_by("-created_at", "-pk")
        .first()
    )
    return str(event.details.get("judgment", "")) if event else ""


def appeal_judgment_record(*, actor: User, appeal: Appeal, judgment: str) -> Appeal:
    """The reviewer records the judgment of the body that hears the complaint first (a Dutch
    complaints committee, WPO art. 14); the decision comes after it."""
    case = appeal.case
    rule = procedure_of(case).appeal
    if rule is None or rule.reviewer not in case_access.case_roles(actor, case):
        raise AccessDenied()
    if rule.judged_by is None:
        raise InvalidInput(_("This procedure has no committee's judgment to record."))
    if appeal.outcome != Appeal.Outcome.PENDING:
        raise InvalidInput(_("This appeal was already decided."))
    if not judgment.strip():
        raise InvalidInput(_("Give the committee's judgment."))
    _within(judgment.strip(), settings.HAVEN_REPORT_MAX_CHARS)
    with transaction.atomic():
        _event(case, "appeal_judgment", actor, appeal=appeal.pk, judgment=judgment.strip())
        _audit(actor, "case.appeal_judgment", case, appeal=appeal.pk)
    return appeal


def appeal_decide(
    *, actor: User, appeal: Appeal, outcome: str, decision: str, determination: str = ""
) -> Appeal:
    """The reviewer the procedure names (the county inspector in China) decides."""
    case = appeal.case
    procedure = procedure_of(case)
    reviewer = procedure.appeal.reviewer if procedure.appeal else None
    if reviewer is None or reviewer not in case_access.case_roles(actor, case):
        raise AccessDenied()
    if appeal.outcome != Appeal.Outcome.PENDING:
        raise InvalidInput(_("This appeal was already decided."))
    if outcome not in (Appeal.Outcome.UPHELD, Appeal.Outcome.CHANGED):
        raise InvalidInput(_("Choose whether the determination stands or changes."))
    if not decision.strip():
        raise InvalidInput(_("Give the decision and its reasons."))
    if outcome == Appeal.Outcome.CHANGED and determination not in {
        d.code for d in procedure.determinations if d.code != case.determination
    }:
        raise InvalidInput(_("Choose the new determination."))
    judge = procedure.appeal.judged_by if procedure.appeal else None
    if judge is not None and not appeal_judgment(appeal):
        raise InvalidInput(_("First record the judgment of %(body)s.") % {"body": judge.name})
    with transaction.atomic():
        Appeal.objects.filter(pk=appeal.pk).update(
            outcome=outcome,
            decision=seal(appeal, "decision", decision.strip()),
            decided_at=timezone.now(),
            decided_by=actor,
        )
        if outcome == Appeal.Outcome.CHANGED:
            Case.objects.filter(pk=case.pk).update(determination=determination)
        _event(case, "appeal_decided", actor, appeal=appeal.pk, outcome=outcome)
        _audit(actor, "case.appeal_decide", case, appeal=appeal.pk, outcome=outcome)
    appeal.refresh_from_db()
    return appeal


def escalation_role(timer: CaseTimer) -> str:
    """Who a missed deadline (a step's or a notification's) goes to, as its procedure says."""
    procedure = loader.get(timer.case.procedure_code, timer.case.procedure_version)
    found = engine.timer(procedure, timer.code)
    return found.escalate_to if found else Role.INSPECTOR


def measure_add(
    *, actor: User, case: Case, what: str, responsible: Any, due_on: dt.date, party: Any = None
) -> CaseMeasure:
    _require_manage(actor, case)
    if not what.strip():
        raise InvalidInput(_("Say what the measure is."))
    if party is not None and party.case_id != case.pk:
        raise InvalidInput(_("This party is not part of the case."))
    if not access.roles_on(responsible, case.school):
        raise InvalidInput(_("The person responsible must have a role at this school."))
    with transaction.atomic():
        measure = CaseMeasure.objects.create(
            case=case, party=party, what=what.strip(), responsible=responsible, due_on=due_on
        )
        _event(case, "measure", actor, measure=measure.pk)
        _audit(actor, "case.measure", case, measure=measure.pk)
    return measure


def measure_done(*, actor: User, measure: CaseMeasure) -> CaseMeasure:
    """The person responsible, or whoever runs the case, marks a measure done."""
    case = measure.case
    if actor.pk != measure.responsible_id:
        _require_manage(actor, case)
    if measure.done_at is not None:
        return measure
    with transaction.atomic():
        CaseMeasure.objects.filter(pk=measure.pk).update(done_at=timezone.now())
        _event(case, "measure_done", actor, measure=measure.pk)
        _audit(actor, "case.measure_done", case, measure=measure.pk)
    measure.refresh_from_db()
    return measure


def case_file_add(*, actor: User, case: Case, upload: Any, description: str) -> CaseAttachment:
    """Keep a file with the case: type read from its content, image metadata removed."""
    from haven.intake.files import clean_upload

    if not case_access.cases_visible(actor).filter(pk=case.pk).exists():
        raise AccessDenied()
    if not case_access.case_sees_everything(actor, case):
        raise AccessDenied()
    if not description.strip():
        raise InvalidInput(_("Say what the file is."))
    clean = clean_upload(upload)
    with transaction.atomic():
        attachment = CaseAttachment.objects.create(
            case=case,
            file=clean.content,
            description=description.strip(),
            content_type=clean.content_type,
            size=clean.size,
            sha256=clean.sha256,
            added_by=actor,
        )
        _event(case, "file", actor, attachment=attachment.pk)
        _audit(actor, "case.file_add", case, attachment=attachment.pk)
    return attachment


def case_file_record_view(*, actor: User, attachment: CaseAttachment) -> None:
    with transaction.atomic():
        _audit(actor, "case.file_view", attachment.case, attachment=attachment.pk)
