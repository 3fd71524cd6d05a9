"""Writes for the prevention registers: each one transaction with its audit event."""

import datetime as dt
import zoneinfo
from collections.abc import Iterable
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import formats, timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from haven.audit.services import audit_record
from haven.intake.files import clean_upload
from haven.lib.datafile import ALL_LANGUAGES
from haven.lib.errors import AccessDenied, InvalidInput
from haven.lib.i18n import pick
from haven.orgs import access
from haven.orgs.models import OrgUnit, User
from haven.prevention import access as prevention_access
from haven.prevention import datafiles
from haven.prevention.access import Perm
from haven.prevention.errors import InvalidField
from haven.prevention.models import (
    ActivityStatus,
    ChannelKind,
    ChannelPublication,
    ClassCommitment,
    Goal,
    Meeting,
    MeetingKind,
    PlanActivity,
    Pledge,
    PledgeMethod,
    PreventionPlan,
    SchoolCommitment,
    StaffNumber,
    Training,
    TrainingAttendance,
)
from haven.prevention.selectors import STAFF_ROLES, school_staff, school_year_now, today_at


def _require_manage(actor: User, unit: OrgUnit) -> None:
    if not prevention_access.can_manage_prevention(actor, unit):
        raise AccessDenied()


def _audit(actor: User, action: str, obj: Any, unit: OrgUnit, **details: Any) -> None:
    audit_record(actor=actor, action=action, obj=obj, org_unit=unit, details=details)


def _clean_text(value: str, limit: int) -> str:
    return " ".join((value or "").split())[:limit]


# The plan


def plan_create(
    *, actor: User, unit: OrgUnit, year: int, template: str = "", copy_previous: bool = False
) -> PreventionPlan:
    """A unit's plan for ``year``: empty, from a template, or a copy of last year's."""
    _require_manage(actor, unit)
    if unit.kind == OrgUnit.Kind.CLASS:
        raise InvalidInput(_("Plans are kept by schools and the levels above, not by classes."))
    if PreventionPlan.objects.filter(unit=unit, year=year).exists():
        raise InvalidInput(_("This school year already has a plan."))
    calendar = datafiles.calendar_for(unit)
    previous = None
    chosen = None
    if copy_previous:
        previous = PreventionPlan.objects.filter(unit=unit, year=year - 1).first()
        if previous is None:
            raise InvalidInput(_("There is no plan of the previous school year to copy."))
    elif template:
        chosen = datafiles.templates().get(template)
        if chosen is None:
            raise InvalidInput(_("Unknown plan template."))
    try:
        with transaction.atomic():
            plan = PreventionPlan.objects.create(
                unit=unit,
                year=year,
                template=chosen.code if chosen else "",
                copied_from=previous,
                created_by=actor,
            )
            if chosen is not None:
                # The plan is the school's document: written in the school's language (the
                # jurisdiction's first), not in whichever language its creator browses in.
                spoken = [
                    code.lower()
                    for code in (unit.jurisdiction.languages or [])
                    if code.lower() in ALL_LANGUAGES
                ]
                language = spoken[0] if spoken else get_language()
                PlanActivity.objects.bulk_create(
                    PlanActivity(
                        plan=plan,
                        goal=item.goal,
                        what=pick(item.what, language),
                        lead=", ".join(pick(p, language) for p in item.lead),
                        participants=", ".join(pick(p, language) for p in item.participants),
                        starts_on=calendar.month_start(year, item.months[0]),
                        ends_on=max(
                            calendar.month_end(year, item.months[1]),
                            calendar.month_start(year, item.months[0]),
                        ),
                        position=position,
                    )
                    for position, item in enumerate(chosen.activities)
                )
            if previous is not None:
                PlanActivity.objects.bulk_create(
                    PlanActivity(
                        plan=plan,
                        goal=old.goal,
                        what=old.what,
                        lead=old.lead,
                        participants=old.participants,
                        starts_on=_next_year(old.starts_on),
                        ends_on=_next_year(old.ends_on),
                        position=old.position,
                    )
                    for old in previous.activities.all()
                )
            _audit(
                actor,
                "prevention.plan_created",
                plan,
                unit,
                year=year,
                template=plan.template,
                copied_from=previous.pk if previous else None,
            )
    except IntegrityError as exc:  # two people created it at the same moment
        raise InvalidInput(_("This school year already has a plan.")) from exc
    return plan


def _next_year(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)


def _check_activity(what: str, lead: str, goal: str, starts_on: Any, ends_on: Any) -> None:
    if goal not in Goal.values:
        raise InvalidField(_("Choose the activity's goal."), field="goal")
    if not what.strip() or not lead.strip():
        raise InvalidField(
            _("Say what the activity is and who leads it."),
            field="lead" if what.strip() else "what",
        )
    if not isinstance(starts_on, dt.date) or not isinstance(ends_on, dt.date):
        raise InvalidInput(_("Give the period's first and last day."))
    if ends_on < starts_on:
        raise InvalidField(_("The activity cannot end before it starts."), field="ends_on")


def activity_add(
    *,
    actor: User,
    plan: PreventionPlan,
    goal: str,
    what: str,
    lead: str,
    participants: str = "",
    starts_on: dt.date,
    ends_on: dt.date,
) -> PlanActivity:
    _require_manage(actor, plan.unit)
    _check_activity(what, lead, goal, starts_on, ends_on)
    with transaction.atomic():
        last = plan.activities.order_by("-position").values_list("position", flat=True).first()
        activity = PlanActivity.objects.create(
            plan=plan,
            goal=goal,
            what=what.strip(),
            lead=_clean_text(lead, 200),
            participants=_clean_text(participants, 300),
            starts_on=starts_on,
            ends_on=ends_on,
            position=(last or 0) + 1,
        )
        _audit(actor, "prevention.activity_added", activity, plan.unit, plan=plan.pk)
    return activity


def activity_update(
    *,
    actor: User,
    activity: PlanActivity,
    status: str,
    evidence_note: str = "",
    evidence_file: UploadedFile | None = None,
    result_url: str = "",
    starts_on: dt.date | None = None,
    ends_on: dt.date | None = None,
) -> PlanActivity:
    """Record how an activity went. Done needs evidence: a note or a file."""
    plan = activity.plan
    _require_manage(actor, plan.unit)
    if status not in ActivityStatus.values:
        raise InvalidInput(_("Choose the activity's status."))
    starts_on = starts_on or activity.starts_on
    ends_on = ends_on or activity.ends_on
    if ends_on < starts_on:
        raise InvalidInput(_("The activity cannot end before it starts."))
    note = (evidence_note or "").strip()
    cleaned = clean_upload(evidence_file) if evidence_file is not None else None
    if status == ActivityStatus.DONE and not (note or cleaned or activity.evidence_file):
        raise InvalidInput(_("An activity is marked done with its evidence: a note or a file."))
    old_file = activity.evidence_file.name if cleaned and activity.evidence_file else ""
    with transaction.atomic():
        activity.status = status
        activity.evidence_note = note
        activity.result_url = (result_url or "").strip()
        activity.starts_on, activity.ends_on = starts_on, ends_on
        activity.updated_at = timezone.now()
        if cleaned is not None:
            activity.evidence_file.save(cleaned.content.name or "evidence", cleaned.content, False)
            activity.evidence_type = cleaned.content_type
        stored = activity.evidence_file.name if cleaned else ""
        try:
            activity.save()
            _audit(
                actor,
                "prevention.activity_updated",
                activity,
                plan.unit,
                status=status,
                file=bool(cleaned),
            )
        except Exception:
            if stored:
                activity.evidence_file.storage.delete(stored)
            raise
    if old_file:
        activity.evidence_file.storage.delete(old_file)
    return activity


def activity_record_evidence_view(*, actor: User, activity: PlanActivity) -> None:
    """Opening an evidence file is logged (it may show people)."""
    with transaction.atomic():
        _audit(actor, "prevention.evidence_viewed", activity, activity.plan.unit)


# Trainings


def training_record(
    *,
    actor: User,
    unit: OrgUnit,
    topic: str,
    held_on: dt.date,
    trainer: str,
    audience: str = "",
) -> Training:
    _require_manage(actor, unit)
    topic = _clean_text(topic, 300)
    trainer = _clean_text(trainer, 200)
    if not topic or not trainer:
        raise InvalidInput(_("Give the training's topic and trainer."))
    if not isinstance(held_on, dt.date):
        raise InvalidInput(_("Give the date."))
    with transaction.atomic():
        training = Training.objects.create(
            unit=unit,
            topic=topic,
            held_on=held_on,
            trainer=trainer,
            audience=_clean_text(audience, 300),
            created_by=actor,
        )
        _audit(actor, "prevention.training_recorded", training, unit)
    return training


STAFF_NUMBER_MAX = 100_000


def staff_number_set(*, actor: User, school: OrgUnit, year: int, staff: int) -> StaffNumber:
    """The school's declared staff number for a school year (replaces an earlier one)."""
    _require_manage(actor, school)
    if school.kind != OrgUnit.Kind.SCHOOL:
        raise InvalidInput(_("Choose a school."))
    if not isinstance(staff, int) or not 1 <= staff <= STAFF_NUMBER_MAX:
        raise InvalidInput(
            _("Give the number of staff members, from 1 to %(max)s.") % {"max": STAFF_NUMBER_MAX}
        )
    with transaction.atomic():
        found, _created = StaffNumber.objects.update_or_create(
            school=school,
            year=year,
            defaults={"staff": staff, "recorded_by": actor, "recorded_at": timezone.now()},
        )
        _audit(actor, "prevention.staff_number", found, school, year=year, staff=staff)
    return found


def training_attendance_set(*, actor: User, training: Training, user_ids: Iterable[int]) -> int:
    """Who attended: staff of the training's unit and below. Returns how many."""
    _require_manage(actor, training.unit)
    wanted = {int(pk) for pk in user_ids}
    eligible = set(
        User.objects.filter(
            memberships__unit__in=OrgUnit.objects.subtree_of(training.unit),
            memberships__role__in=STAFF_ROLES,
        ).values_list("pk", flat=True)
    )
    if wanted - eligible:
        raise InvalidInput(_("Only staff of the units the training was for can be recorded."))
    with transaction.atomic():
        training.attendance.exclude(user_id__in=wanted).delete()
        present = set(training.attendance.values_list("user_id", flat=True))
        TrainingAttendance.objects.bulk_create(
            TrainingAttendance(training=training, user_id=pk) for pk in sorted(wanted - present)
        )
        _audit(
            actor,
            "prevention.attendance_recorded",
            training,
            training.unit,
            attended=len(wanted),
        )
    return len(wanted)


# Pledges and commitments


def _already_signed(pledge: Pledge) -> str:
    return formats.date_format(timezone.localtime(pledge.signed_at).date(), "SHORT_DATE_FORMAT")


def pledge_sign(*, actor: User, school: OrgUnit, text_version: int | None = None) -> Pledge:
    """The actor accepts this school year's pledge text, as shown in their language."""
    access.require(actor, Perm.PLEDGE_SIGN, school)
    if school.kind != OrgUnit.Kind.SCHOOL:
        raise InvalidInput(_("Pledges are signed for a school."))
    year = school_year_now(school)
    existing = Pledge.objects.filter(school=school, user=actor, year=year).first()
    if existing is not None:
        raise InvalidInput(
            _("You have already signed the pledge for this school year (on %(date)s).")
            % {"date": _already_signed(existing)}
        )
    text = datafiles.pledge_for(school.jurisdiction.code)
    if text_version is not None and text_version != text.version:
        raise InvalidInput(_("The pledge text has changed. Read it again before signing."))
    language = get_language() or "en"
    try:
        with transaction.atomic():
            pledge = Pledge.objects.create(
                school=school,
                user=actor,
                year=year,
                text_code=text.code,
                text_version=text.version,
                text_language=language,
                text=pick(text.texts, language),
                method=PledgeMethod.ONLINE,
                recorded_by=actor,
            )
            _audit(actor, "prevention.pledge_signed", pledge, school, year=year)
    except IntegrityError as exc:  # a double click: the constraint keeps one signature
        raise InvalidInput(
            _("You have already signed the pledge for this school year (on %(date)s).")
            % {"date": formats.date_format(timezone.localdate(), "SHORT_DATE_FORMAT")}
        ) from exc
    return pledge


def pledge_record_paper(*, actor: User, school: OrgUnit, user: User, signed_on: dt.date) -> Pledge:
    """A coordinator records a pledge signed on paper."""
    _require_manage(actor, school)
    if not school_staff(school).filter(pk=user.pk).exists():
        raise InvalidInput(_("Only members of the school's staff can be recorded."))
    if not isinstance(signed_on, dt.date) or signed_on > today_at(school):
        raise InvalidInput(_("The date cannot be in the future."))
    calendar = datafiles.calendar_for(school)
    year = calendar.year_of(signed_on)
    if Pledge.objects.filter(school=school, user=user, year=year).exists():
        raise InvalidInput(
            _("%(name)s has already signed the pledge for this school year.") % {"name": user}
        )
    text = datafiles.pledge_for(school.jurisdiction.code)
    language = get_language() or "en"
    # Midday where the school is: the day written on the paper stays that day there.
    signed_at = dt.datetime.combine(
        signed_on, dt.time(12, 0), tzinfo=zoneinfo.ZoneInfo(school.jurisdiction.time_zone)
    )
    try:
        with transaction.atomic():
            pledge = Pledge.objects.create(
                school=school,
                user=user,
                year=year,
                text_code=text.code,
                text_version=text.version,
                text_language=language,
                text=pick(text.texts, language),
                method=PledgeMethod.PAPER,
                signed_at=signed_at,
                recorded_by=actor,
            )
            _audit(actor, "prevention.pledge_recorded", pledge, school, year=year, paper=True)
    except IntegrityError as exc:
        raise InvalidInput(
            _("%(name)s has already signed the pledge for this school year.") % {"name": user}
        ) from exc
    return pledge


def class_commitment_record(
    *, actor: User, class_unit: OrgUnit, signed_on: dt.date, note: str = ""
) -> ClassCommitment:
    school = class_unit.parent
    if class_unit.kind != OrgUnit.Kind.CLASS or school is None:
        raise InvalidInput(_("Choose a class of this school."))
    _require_manage(actor, school)
    if signed_on > today_at(school):
        raise InvalidInput(_("The date cannot be in the future."))
    year = datafiles.calendar_for(school).year_of(signed_on)
    message = _("This class's commitment for this school year is already recorded.")
    if ClassCommitment.objects.filter(class_unit=class_unit, year=year).exists():
        raise InvalidInput(message)
    try:
        with transaction.atomic():
            commitment = ClassCommitment.objects.create(
                class_unit=class_unit,
                year=year,
                signed_on=signed_on,
                note=_clean_text(note, 300),
                recorded_by=actor,
            )
            _audit(actor, "prevention.class_commitment", commitment, school, year=year)
    except IntegrityError as exc:
        raise InvalidInput(message) from exc
    return commitment


def school_commitment_record(
    *, actor: User, school: OrgUnit, submitted_on: dt.date, note: str = ""
) -> SchoolCommitment:
    _require_manage(actor, school)
    if school.kind != OrgUnit.Kind.SCHOOL:
        raise InvalidInput(_("Choose a school."))
    if submitted_on > today_at(school):
        raise InvalidInput(_("The date cannot be in the future."))
    year = datafiles.calendar_for(school).year_of(submitted_on)
    message = _("The school's commitment for this school year is already recorded.")
    if SchoolCommitment.objects.filter(school=school, year=year).exists():
        raise InvalidInput(message)
    try:
        with transaction.atomic():
            commitment = SchoolCommitment.objects.create(
                school=school,
                year=year,
                submitted_on=submitted_on,
                note=_clean_text(note, 300),
                recorded_by=actor,
            )
            _audit(actor, "prevention.school_commitment", commitment, school, year=year)
    except IntegrityError as exc:
        raise InvalidInput(message) from exc
    return commitment


# Parent meetings and pupil sessions


def meeting_record(
    *,
    actor: User,
    school: OrgUnit,
    kind: str,
    held_on: dt.date,
    classes: list[OrgUnit],
    topic: str,
    attendance: int,
) -> Meeting:
    _require_manage(actor, school)
    if kind not in MeetingKind.values:
        raise InvalidInput(_("Choose a parent meeting or a pupil session."))
    topic = _clean_text(topic, 300)
    if not topic:
        raise InvalidInput(_("Give the topic."))
    if held_on > today_at(school):
        raise InvalidInput(
            _("A meeting is recorded once it has been held: the date cannot be in the future.")
        )
    if attendance < 0:
        raise InvalidInput(_("The number of people present cannot be negative."))
    if not classes or any(c.parent_id != school.pk or c.kind != "class" for c in classes):
        raise InvalidInput(_("Choose at least one class of the school."))
    with transaction.atomic():
        meeting = Meeting.objects.create(
            school=school,
            kind=kind,
            held_on=held_on,
            topic=topic,
            attendance=attendance,
            recorded_by=actor,
        )
        meeting.classes.set(classes)
        _audit(actor, "prevention.meeting_recorded", meeting, school, classes=len(classes))
    return meeting


# Channels made known


def channel_record(
    *, actor: User, school: OrgUnit, unit: OrgUnit, kind: str, detail: str, published_on: dt.date
) -> ChannelPublication:
    """A channel (hotline, letter box, chat bot) made known to a class or the whole school."""
    _require_manage(actor, school)
    if unit.pk != school.pk and not (unit.kind == "class" and unit.parent_id == school.pk):
        raise InvalidInput(_("Choose a class of this school."))
    if kind not in ChannelKind.values:
        raise InvalidInput(_("Choose the channel."))
    if published_on > today_at(school):
        raise InvalidInput(_("The date cannot be in the future."))
    with transaction.atomic():
        publication = ChannelPublication.objects.create(
            unit=unit,
            kind=kind,
            detail=_clean_text(detail, 200),
            published_on=published_on,
            recorded_by=actor,
        )
        _audit(actor, "prevention.channel_recorded", publication, school, kind=kind)
    return publication
