"""Writes for the care registers: pupils of concern, screening rounds, committee meetings.

Each service checks access, validates everything before writing, and writes in one
transaction with its audit event, so refused input leaves nothing half stored.
"""

import datetime as dt
import zoneinfo
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from haven.audit.services import audit_record
from haven.care import access as care_access
from haven.care.access import Perm
from haven.care.models import (
    CommitteeDecision,
    CommitteeMeeting,
    ConcernEntry,
    ConcernFollowUp,
    ItemStatus,
    MentorKind,
    ScreeningAnswer,
    ScreeningItem,
    ScreeningRound,
)
from haven.care.reasons import reason_codes
from haven.care.selectors import class_teacher, school_people
from haven.cases import access as case_access
from haven.cases.models import Case
from haven.cases.services import case_open
from haven.lib.errors import AccessDenied, InvalidInput
from haven.orgs import access
from haven.orgs.models import OrgUnit, Pupil
from haven.orgs.types import User
from haven.prevention.errors import InvalidField


def school_today(school: OrgUnit) -> dt.date:
    """Today's date where the school is."""
    return timezone.now().astimezone(zoneinfo.ZoneInfo(school.jurisdiction.time_zone)).date()


def _audit(actor: User, action: str, obj: Any, school: OrgUnit, **details: Any) -> None:
    audit_record(actor=actor, action=action, obj=obj, org_unit=school, details=details)


def _require_person(school: OrgUnit, user: User, message: str, field: str) -> None:
    if user is not None and not school_people(school).filter(pk=user.pk).exists():
        raise InvalidField(message, field=field)


# Pupils of concern


def _clean_reasons(reasons: list[str], reason_note: str) -> list[str]:
    chosen = [code for code in dict.fromkeys(reasons) if code]
    if not chosen:
        raise InvalidField(_("Choose at least one reason."), field="reasons")
    if set(chosen) - reason_codes():
        raise InvalidField(_("This reason is not on the list of reasons."), field="reasons")
    if "other" in chosen and not reason_note.strip():
        raise InvalidField(_("Say what the other reason is."), field="reason_note")
    return chosen


def _clean_review(school: OrgUnit, review_on: dt.date | None, field: str = "review_on") -> None:
    if review_on is not None and review_on <= school_today(school):
        raise InvalidField(_("The review date must be in the future."), field=field)


def _clean_mentor(
    school: OrgUnit, mentor_user: User | None, mentor_kind: str, mentor_name: str, mentor_role: str
) -> tuple[User | None, str, str, str]:
    mentor_name, mentor_role = mentor_name.strip(), mentor_role.strip()
    if mentor_kind and mentor_kind not in MentorKind.values:
        raise InvalidField(_("Unknown kind of mentor."), field="mentor_kind")
    if mentor_user is not None:
        if mentor_name:
            raise InvalidField(
                _("Choose the mentor among the school's people or describe them, not both."),
                field="mentor_name",
            )
        _require_person(
            school, mentor_user, _("The mentor must be one of the school's people."), "mentor_user"
        )
        return mentor_user, mentor_kind or MentorKind.TEACHER, "", mentor_role
    if (mentor_kind or mentor_role) and not mentor_name:
        raise InvalidField(_("Give the mentor's name."), field="mentor_name")
    if mentor_name and not mentor_kind:
        raise InvalidField(
            _("Say who the mentor is: a teacher, a police officer..."), field="mentor_kind"
        )
    return None, mentor_kind, mentor_name, mentor_role


def concern_register(
    *,
    actor: User,
    pupil: Pupil,
    reasons: list[str],
    reason_note: str = "",
    responsible: Any = None,
    mentor_user: User | None = None,
    mentor_kind: str = "",
    mentor_name: str = "",
    mentor_role: str = "",
    review_on: dt.date | None = None,
) -> ConcernEntry:
    """Put a pupil on the school's register, by default in the care of the class teacher."""
    school = pupil.school
    access.require(actor, Perm.CONCERN_VIEW, school)
    chosen = _clean_reasons(reasons, reason_note)
    if responsible is None:
        responsible = class_teacher(pupil.class_unit)
        if responsible is None:
            raise InvalidField(
                _("Choose the responsible adult: Haven knows no class teacher for this class."),
                field="responsible",
            )
    _require_person(
        school, responsible, _("The responsible adult must work at the school."), "responsible"
    )
    mentor = _clean_mentor(school, mentor_user, mentor_kind, mentor_name, mentor_role)
    _clean_review(school, review_on)
    if ConcernEntry.objects.filter(pupil=pupil, status=ConcernEntry.Status.OPEN).exists():
        raise InvalidInput(_("This pupil is already on the register."))
    try:
        with transaction.atomic():
            entry = ConcernEntry.objects.create(
                school=school,
                pupil=pupil,
                reasons=chosen,
                reason_note=reason_note.strip(),
                responsible=responsible,
                mentor_user=mentor[0],
                mentor_kind=mentor[1],
                mentor_name=mentor[2],
                mentor_role=mentor[3],
                review_on=review_on,
                opened_by=actor,
            )
            _audit(actor, "concern.register", entry, school, reasons=chosen)
    except IntegrityError as exc:  # two people registering the same pupil at once
        raise InvalidInput(_("This pupil is already on the register.")) from exc
    return entry


def concern_update(
    *,
    actor: User,
    entry: ConcernEntry,
    reasons: list[str],
    reason_note: str = "",
    responsible: Any,
    mentor_user: User | None = None,
    mentor_kind: str = "",
    mentor_name: str = "",
    mentor_role: str = "",
    review_on: dt.date | None = None,
) -> ConcernEntry:
    """Change the reasons, the adults or the review date (an unchanged past date may stay)."""
    if not care_access.can_manage_concern(actor, entry):
        raise AccessDenied()
    if entry.status != ConcernEntry.Status.OPEN:
        raise InvalidInput(_("This entry is closed."))
    school = entry.school
    chosen = _clean_reasons(reasons, reason_note)
    if responsible is None:
        raise InvalidField(_("Choose the responsible adult."), field="responsible")
    _require_person(
        school, responsible, _("The responsible adult must work at the school."), "responsible"
    )
    mentor = _clean_mentor(school, mentor_user, mentor_kind, mentor_name, mentor_role)
    if review_on != entry.review_on:
        _clean_review(school, review_on)
    changes = {
        "reasons": chosen,
        "reason_note": reason_note.strip(),
        "responsible": responsible,
        "mentor_user": mentor[0],
        "mentor_kind": mentor[1],
        "mentor_name": mentor[2],
        "mentor_role": mentor[3],
        "review_on": review_on,
    }
    changed = sorted(k for k, v in changes.items() if getattr(entry, k) != v)
    if not changed:
        return entry
    with transaction.atomic():
        for field, value in changes.items():
            setattr(entry, field, value)
        entry.save(update_fields=[*changes])
        _audit(actor, "concern.update", entry, school, fields=changed)
    return entry


def concern_follow_up(
    *,
    actor: User,
    entry: ConcernEntry,
    on: dt.date,
    note: str,
    next_review_on: dt.date | None = None,
) -> ConcernFollowUp:
    """A line in the entry's log; optionally the next review date."""
    if not care_access.can_follow_up_concern(actor, entry):
        raise AccessDenied()
    if entry.status != ConcernEntry.Status.OPEN:
        raise InvalidInput(_("This entry is closed."))
    school = entry.school
    if not note.strip():
        raise InvalidField(_("Write what was done or found."), field="note")
    if on > school_today(school):
        raise InvalidField(_("A follow-up cannot be dated in the future."), field="on")
    _clean_review(school, next_review_on, "next_review_on")
    with transaction.atomic():
        follow_up = ConcernFollowUp.objects.create(entry=entry, on=on, by=actor, note=note.strip())
        if next_review_on is not None:
            entry.review_on = next_review_on
            entry.save(update_fields=["review_on"])
        _audit(actor, "concern.follow_up", entry, school, next_review=bool(next_review_on))
    return follow_up


def concern_close(*, actor: User, entry: ConcernEntry, reason: str) -> ConcernEntry:
    if not care_access.can_manage_concern(actor, entry):
        raise AccessDenied()
    if entry.status != ConcernEntry.Status.OPEN:
        raise InvalidInput(_("This entry is closed."))
    if not reason.strip():
        raise InvalidField(_("Say why the entry is closed."), field="reason")
    with transaction.atomic():
        entry.status = ConcernEntry.Status.CLOSED
        entry.closed_reason = reason.strip()
        entry.closed_at = timezone.now()
        entry.save(update_fields=["status", "closed_reason", "closed_at"])
        _audit(actor, "concern.close", entry, entry.school)
    return entry


def concern_record_view(*, actor: User, entry: ConcernEntry) -> None:
    """Every read of an entry is audited."""
    with transaction.atomic():
        _audit(actor, "concern.view", entry, entry.school)


def concern_record_list(*, actor: User, entries: list[ConcernEntry]) -> None:
    """A list of entries names pupils: which entries were shown, to whom, is audited."""
    if not entries:
        return
    schools = {entry.school_id for entry in entries}
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="concern.list",
            org_unit=entries[0].school if len(schools) == 1 else None,
            details={"entries": [entry.pk for entry in entries]},
        )


# Conflict screening rounds


def screening_round_create(
    *,
    actor: User,
    school: OrgUnit,
    name: str,
    starts_on: dt.date,
    ends_on: dt.date,
    classes: list[OrgUnit] | None = None,
) -> ScreeningRound:
    """A round over ``classes`` (all the school's classes when none are given); each class
    is answered for by its class teacher unless someone else is assigned."""
    access.require(actor, Perm.CARE_MANAGE, school)
    name = name.strip()
    if not name:
        raise InvalidField(_("Give the round a name."), field="name")
    if ends_on < starts_on:
        raise InvalidField(_("The round cannot end before it starts."), field="ends_on")
    school_classes = OrgUnit.objects.filter(parent=school, kind=OrgUnit.Kind.CLASS)
    if classes:
        if any(c.parent_id != school.pk or c.kind != OrgUnit.Kind.CLASS for c in classes):
            raise InvalidField(_("Choose classes of this school."), field="classes")
        chosen = list({c.pk: c for c in classes}.values())
    else:
        chosen = list(school_classes)
    if not chosen:
        raise InvalidInput(_("The school has no classes to screen."))
    with transaction.atomic():
        round_ = ScreeningRound.objects.create(
            school=school, name=name, starts_on=starts_on, ends_on=ends_on, created_by=actor
        )
        ScreeningAnswer.objects.bulk_create(
            ScreeningAnswer(round=round_, class_unit=c, responsible=class_teacher(c))
            for c in chosen
        )
        _audit(actor, "screening.round_create", round_, school, classes=len(chosen))
    return round_


def screening_assign(*, actor: User, answer: ScreeningAnswer, responsible: Any) -> None:
    school = answer.round.school
    access.require(actor, Perm.CARE_MANAGE, school)
    if responsible is None:
        raise InvalidField(_("Choose the responsible teacher."), field="responsible")
    _require_person(
        school, responsible, _("The responsible teacher must work at the school."), "responsible"
    )
    with transaction.atomic():
        answer.responsible = responsible
        answer.save(update_fields=["responsible"])
        _audit(actor, "screening.assign", answer.round, school, answer=answer.pk)


def _require_answer(actor: User, answer: ScreeningAnswer) -> None:
    if not care_access.can_answer_screening(actor, answer):
        raise AccessDenied()


def screening_none_found(*, actor: User, answer: ScreeningAnswer) -> None:
    """ "Nothing found" is an answer, recorded like any other."""
    _require_answer(actor, answer)
    if answer.items.exists():
        raise InvalidInput(_("Findings are already recorded for this class."))
    with transaction.atomic():
        answer.none_found = True
        answer.answered_at = timezone.now()
        answer.answered_by = actor
        answer.save(update_fields=["none_found", "answered_at", "answered_by"])
        _audit(actor, "screening.none_found", answer.round, answer.round.school, answer=answer.pk)


def screening_item_add(
    *,
    actor: User,
    answer: ScreeningAnswer,
    description: str,
    responsible: Any,
    measures: str,
    due_on: dt.date,
) -> ScreeningItem:
    _require_answer(actor, answer)
    round_ = answer.round
    school = round_.school
    if not description.strip():
        raise InvalidField(
            _("Describe what was found (without naming pupils)."), field="description"
        )
    if not measures.strip():
        raise InvalidField(_("Say which measures are taken."), field="measures")
    if responsible is None:
        raise InvalidField(_("Choose who is responsible."), field="responsible")
    _require_person(
        school, responsible, _("The responsible person must work at the school."), "responsible"
    )
    if due_on < round_.starts_on:
        raise InvalidField(_("The due date cannot be before the round starts."), field="due_on")
    with transaction.atomic():
        item = ScreeningItem.objects.create(
            answer=answer,
            description=description.strip(),
            responsible=responsible,
            measures=measures.strip(),
            due_on=due_on,
            created_by=actor,
        )
        answer.none_found = False
        answer.answered_at = answer.answered_at or timezone.now()
        answer.answered_by = answer.answered_by or actor
        answer.save(update_fields=["none_found", "answered_at", "answered_by"])
        _audit(actor, "screening.item_add", item, school, round=round_.pk)
    return item


def _require_item(actor: User, item: ScreeningItem) -> None:
    if item.responsible_id != getattr(actor, "pk", None) and not care_access.can_answer_screening(
        actor, item.answer
    ):
        raise AccessDenied()
    if item.status != ItemStatus.OPEN:
        raise InvalidInput(_("This finding is already dealt with."))


def screening_item_resolve(*, actor: User, item: ScreeningItem, resolution: str) -> None:
    _require_item(actor, item)
    if not resolution.strip():
        raise InvalidField(_("Say how it was resolved."), field="resolution")
    with transaction.atomic():
        item.status = ItemStatus.RESOLVED
        item.resolution = resolution.strip()
        item.closed_at = timezone.now()
        item.save(update_fields=["status", "resolution", "closed_at"])
        _audit(actor, "screening.item_resolve", item, item.answer.round.school)


def screening_item_open_case(*, actor: User, item: ScreeningItem, title: str) -> Case:
    """Open a case from the finding (the case services check who may) and link it."""
    _require_item(actor, item)
    school = item.answer.round.school
    with transaction.atomic():
        case = case_open(actor=actor, school=school, title=title, narrative=item.description)
        _link(actor, item, case)
    return case


def screening_item_link_case(*, actor: User, item: ScreeningItem, case: Case) -> None:
    """Link a case already open at the school, which the actor may see."""
    _require_item(actor, item)
    school = item.answer.round.school
    if (
        case.school_id != school.pk
        or not case_access.cases_visible(actor).filter(pk=case.pk).exists()
    ):
        raise InvalidInput(_("Choose a case of this school that you can see."))
    with transaction.atomic():
        _link(actor, item, case)


def _link(actor: User, item: ScreeningItem, case: Case) -> None:
    item.status = ItemStatus.CASE
    item.case = case
    item.closed_at = timezone.now()
    item.save(update_fields=["status", "case", "closed_at"])
    _audit(actor, "screening.item_case", item, item.answer.round.school, case=case.pk)


# Committee meetings


def meeting_record(
    *,
    actor: User,
    school: OrgUnit,
    body: str,
    held_on: dt.date,
    members: list[Any],
    external_members: list[str],
    concerns: list[ConcernEntry],
    cases: list[Case],
    minutes: str = "",
) -> CommitteeMeeting:
    """A meeting of the school's committee: who was there, which pupils of concern and cases
    it discussed (only those the recorder may see)."""
    access.require(actor, Perm.CARE_MANAGE, school)
    if body not in CommitteeMeeting.Body.values:
        raise InvalidInput(_("Unknown committee."))
    if held_on > school_today(school):
        raise InvalidField(_("A meeting is recorded once it has taken place."), field="held_on")
    external = [name.strip() for name in external_members if name.strip()]
    if not members and not external:
        raise InvalidInput(_("Say who was present."))
    people = school_people(school)
    if people.filter(pk__in=[m.pk for m in members]).count() != len({m.pk for m in members}):
        raise InvalidInput(_("Members chosen must be the school's people; add others by name."))
    visible_concerns = care_access.concerns_visible(actor).filter(school=school)
    if visible_concerns.filter(pk__in=[c.pk for c in concerns]).count() != len(
        {c.pk for c in concerns}
    ):
        raise InvalidInput(_("Choose pupils of concern of this school that you can see."))
    visible_cases = case_access.cases_visible(actor).filter(school=school)
    if visible_cases.filter(pk__in=[c.pk for c in cases]).count() != len({c.pk for c in cases}):
        raise InvalidInput(_("Choose a case of this school that you can see."))
    with transaction.atomic():
        meeting = CommitteeMeeting.objects.create(
            school=school,
            body=body,
            held_on=held_on,
            external_members=external,
            minutes=minutes.strip(),
            recorded_by=actor,
        )
        meeting.members.set(members)
        meeting.concerns.set(concerns)
        meeting.cases.set(cases)
        _audit(
            actor,
            "meeting.record",
            meeting,
            school,
            concerns=[c.pk for c in concerns],
            cases=[c.pk for c in cases],
        )
    return meeting


def meeting_record_view(*, actor: User, meeting: CommitteeMeeting) -> None:
    with transaction.atomic():
        _audit(actor, "meeting.view", meeting, meeting.school)


def decision_add(
    *,
    actor: User,
    meeting: CommitteeMeeting,
    text: str,
    responsible: Any = None,
    due_on: dt.date | None = None,
) -> CommitteeDecision:
    school = meeting.school
    access.require(actor, Perm.CARE_MANAGE, school)
    if not text.strip():
        raise InvalidField(_("Write the decision."), field="text")
    _require_person(
        school, responsible, _("The responsible person must work at the school."), "responsible"
    )
    if due_on is not None and due_on < meeting.held_on:
        raise InvalidField(_("The due date cannot be before the meeting."), field="due_on")
    if due_on is not None and responsible is None:
        raise InvalidField(
            _("A follow-up with a due date needs someone responsible."), field="responsible"
        )
    with transaction.atomic():
        decision = CommitteeDecision.objects.create(
            meeting=meeting, text=text.strip(), responsible=responsible, due_on=due_on
        )
        _audit(actor, "meeting.decision", meeting, school, decision=decision.pk)
    return decision


def decision_done(*, actor: User, decision: CommitteeDecision) -> None:
    school = decision.meeting.school
    if decision.responsible_id != getattr(actor, "pk", None) and not access.can(
        actor, Perm.CARE_MANAGE, school
    ):
        raise AccessDenied()
    if decision.done_at is not None:
        raise InvalidInput(_("This follow-up is already done."))
    with transaction.atomic():
        decision.done_at = timezone.now()
        decision.save(update_fields=["done_at"])
        _audit(actor, "meeting.decision_done", decision.meeting, school, decision=decision.pk)
