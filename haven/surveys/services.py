"""Writes for surveys: campaigns, one-time codes, saving and submitting answers.

Each function is one transaction with its audit entry. The pupil's side writes no audit
entry that could tie a code to a response (the audit log is append-only and timestamped).
"""

import datetime as dt
import functools
import json
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Count
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from haven.audit.services import audit_record
from haven.lib.errors import HavenError, InvalidInput
from haven.orgs import access
from haven.orgs.models import OrgUnit, Pupil
from haven.orgs.types import User
from haven.security.fields import seal
from haven.security.services import throttle_count, throttle_hit
from haven.surveys import codes, hotspots, instruments, scoring
from haven.surveys.access import Perm
from haven.surveys.instruments import InstrumentFileError, Item, Page
from haven.surveys.models import (
    AnswerCode,
    Campaign,
    CampaignClass,
    Response,
    school_year,
)

MAX_CODES_PER_CLASS = 200


class CodeInvalid(HavenError):
    status = 400
    default_message = gettext_lazy(
        "This code was not found. Check that you typed all 12 letters and digits."
    )


class CodeUsed(HavenError):
    status = 409
    default_message = gettext_lazy(
        "This code has already been used to send a survey. Each code works only once."
    )


class SurveyClosed(HavenError):
    status = 403
    default_message = gettext_lazy("This survey is closed. Thank you for wanting to take part.")


class SurveyNotYetOpen(HavenError):
    status = 403
    default_message = gettext_lazy("This survey has not opened yet. Please try again later.")


class TooManyAttempts(HavenError):
    status = 429
    default_message = gettext_lazy("Too many attempts. Please wait a while and try again.")


class AnswersMissing(HavenError):
    status = 422
    default_message = gettext_lazy(
        "Some questions still need an answer. Your answers so far are saved."
    )

    def __init__(self, missing: list[tuple[int, Item]]):
        super().__init__()
        self.missing = missing


# ---------------------------------------------------------------------------------------------
# Campaigns (coordinators and principals of the school)


def _school_classes(school: OrgUnit) -> Any:
    return OrgUnit.objects.subtree_of(school).filter(kind=OrgUnit.Kind.CLASS)


def _roster(class_unit: OrgUnit) -> int:
    return Pupil.objects.filter(class_unit=class_unit, active=True).count()


def _school_questions(raw: Any) -> list[Item]:
    if not raw:
        return []
    try:
        return list(_school_items(json.dumps(raw, sort_keys=True)))
    except InstrumentFileError as exc:
        raise InvalidInput(
            _("The school's own questions are not valid: %(problem)s") % {"problem": exc.message}
        ) from exc


def campaign_create(
    *,
    actor: User,
    school: OrgUnit,
    title: str,
    classes: list[OrgUnit] | None,
    opens_at: dt.datetime,
    closes_at: dt.datetime,
    instrument_code: str = instruments.DEFAULT,
    school_questions: list[dict[str, Any]] | None = None,
) -> Campaign:
    """Open a campaign for ``classes`` of the school (None: all its classes)."""
    access.require(actor, Perm.SURVEY_MANAGE, school)
    if school.kind != OrgUnit.Kind.SCHOOL:
        raise InvalidInput()
    title = title.strip()
    if not title:
        raise InvalidInput(_("Give the campaign a title."))
    if closes_at <= opens_at:
        raise InvalidInput(_("The survey must close after it opens."))
    if closes_at <= timezone.now():
        raise InvalidInput(_("The closing time has already passed."))
    available = _school_classes(school)
    if classes is None:
        chosen = list(available.order_by("code"))
    else:
        ids = {c.pk for c in classes}
        chosen = list(available.filter(pk__in=ids).order_by("code"))
        if len(chosen) != len(ids):
            raise InvalidInput(_("A chosen class is not part of this school."))
    if not chosen:
        raise InvalidInput(_("Choose at least one class."))
    try:
        instrument = instruments.get(instrument_code)
    except InstrumentFileError as exc:
        raise InvalidInput(_("This survey instrument is not available.")) from exc
    questions = school_questions or []
    _school_questions(questions)
    with transaction.atomic():
        campaign = Campaign.objects.create(
            school=school,
            title=title,
            instrument_code=instrument.code,
            instrument_version=instrument.version,
            opens_at=opens_at,
            closes_at=closes_at,
            period=school_year(opens_at, school),
            school_questions=questions,
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        CampaignClass.objects.bulk_create(
            CampaignClass(campaign=campaign, class_unit=unit, eligible=_roster(unit))
            for unit in chosen
        )
        audit_record(
            actor=actor,
            action="survey.campaign_create",
            obj=campaign,
            org_unit=school,
            details={"classes": [c.code for c in chosen], "instrument": instrument.code},
        )
    return campaign


def campaign_close(*, actor: User, campaign: Campaign) -> Campaign:
    """Close a campaign early (or confirm its end); its results are refreshed."""
    access.require(actor, Perm.SURVEY_MANAGE, campaign.school)
    if campaign.status == Campaign.Status.CLOSED:
        return campaign
    with transaction.atomic():
        campaign.status = Campaign.Status.CLOSED
        campaign.closed_at = timezone.now()
        if campaign.closes_at > campaign.closed_at:
            campaign.closes_at = max(
                campaign.closed_at, campaign.opens_at + dt.timedelta(seconds=1)
            )
        campaign.save(update_fields=["status", "closed_at", "closes_at"])
        audit_record(
            actor=actor, action="survey.campaign_close", obj=campaign, org_unit=campaign.school
        )
    _enqueue_refresh(campaign.pk)
    return campaign


def codes_generate(
    *, actor: User, campaign: Campaign, class_unit: OrgUnit, count: int | None = None
) -> list[str]:
    """New one-time codes for a class: as many as pupils on its roster, or ``count``.

    The codes in clear exist only in the returned list (printed as slips at once)."""
    access.require(actor, Perm.SURVEY_MANAGE, campaign.school)
    entry = CampaignClass.objects.filter(campaign=campaign, class_unit=class_unit).first()
    if entry is None:
        raise InvalidInput(_("This class does not take part in the campaign."))
    if campaign.status == Campaign.Status.CLOSED or campaign.closes_at <= timezone.now():
        raise InvalidInput(_("The campaign is closed; no new codes can be made."))
    if count is None:
        count = _roster(class_unit)
        if count == 0:
            raise InvalidInput(
                _("This class has no pupils on its roster. Give the number of codes to make.")
            )
    if not 1 <= count <= MAX_CODES_PER_CLASS:
        raise InvalidInput(
            _("Make between 1 and %(max)s codes at a time.") % {"max": MAX_CODES_PER_CLASS}
        )
    made: list[str] = []
    hashes: set[str] = set()
    while len(made) < count:
        code = codes.generate()
        digest = codes.code_hash(code)
        if digest and digest not in hashes:
            made.append(code)
            hashes.add(digest)
    with transaction.atomic():
        AnswerCode.objects.bulk_create(
            AnswerCode(campaign=campaign, class_unit=class_unit, code_hash=digest)
            for digest in hashes
        )
        issued = AnswerCode.objects.filter(campaign=campaign, class_unit=class_unit).count()
        roster = _roster(class_unit)
        if entry.eligible == 0 or roster == 0:
            # No roster to count: the codes handed out stand for the class's pupils.
            CampaignClass.objects.filter(pk=entry.pk).update(eligible=issued)
        elif roster > entry.eligible:
            # Pupils were added to the roster since the campaign opened: count them too.
            CampaignClass.objects.filter(pk=entry.pk).update(eligible=roster)
        audit_record(
            actor=actor,
            action="survey.codes_generate",
            obj=campaign,
            org_unit=campaign.school,
            details={"class": class_unit.code, "count": count},
        )
    return made


def codes_roster_warning(*, campaign: Campaign, class_unit: OrgUnit) -> str | None:
    """A warning when the codes made for a class exceed the pupils on its roster (or it has
    none): the response rate counts against the roster, so it would read too high."""
    entry = CampaignClass.objects.filter(campaign=campaign, class_unit=class_unit).first()
    if entry is None:
        return None
    made = AnswerCode.objects.filter(campaign=campaign, class_unit=class_unit).count()
    roster = _roster(class_unit)
    names = {"class": class_unit.name, "codes": made, "pupils": roster}
    if roster == 0:
        return (
            _(
                "Class %(class)s has no pupils on its roster, so its response rate is counted "
                'against the %(codes)s codes made and marked "roster incomplete". Add the '
                "class's pupils to the roster for a true response rate."
            )
            % names
        )
    if made > max(roster, entry.eligible):
        return (
            _(
                "%(codes)s codes have now been made for class %(class)s, which has %(pupils)s "
                "pupils on its roster. The response rate counts against the roster, so it is "
                'marked "roster incomplete" until the roster lists every pupil.'
            )
            % names
        )
    return None


# ---------------------------------------------------------------------------------------------
# The pupil's side: no account, the code is the only key


@dataclass(frozen=True)
class SurveyPage:
    number: int  # 0-based among all pages (instrument pages, then the school's page)
    page: Page
    items: tuple[Item, ...]  # the items shown, given the answers so far


@functools.lru_cache(maxsize=512)
def _school_items(raw_json: str) -> tuple[Item, ...]:
    """A school's questions, checked once per process for each distinct list (items are
    frozen, so every request may share them)."""
    return tuple(instruments.school_questions(json.loads(raw_json), languages=()))


@functools.lru_cache(maxsize=512)
def _pages(code: str, version: int, raw_json: str, language: str) -> tuple[Page, ...]:
    found = list(instruments.get(code, version).pages)
    items = _school_items(raw_json) if raw_json != "[]" else ()
    if items:
        title = {"en": _("A few questions from your school")}  # in ``language``, active now
        found.append(Page(code="school", titles=title, intros={}, items=items))
    return tuple(found)


def pages(campaign: Campaign) -> list[Page]:
    """The instrument's pages, then the school's own page if it has questions.

    Asked several times for every page a pupil sends: built once per process for each
    instrument version, list of school questions and language (everything in it is frozen).
    """
    raw = json.dumps(campaign.school_questions or [], sort_keys=True)
    found = _pages(
        campaign.instrument_code,
        campaign.instrument_version,
        raw,
        translation.get_language() or "en",
    )
    # The place question lists this school's places (its own ones too).
    return hotspots.with_school_places(list(found), campaign.school_id)


def visible_pages(campaign: Campaign, answers: dict[str, Any]) -> list[SurveyPage]:
    """Pages with at least one item shown for these answers (show_if, server-side)."""
    out = []
    for number, page in enumerate(pages(campaign)):
        shown = tuple(item for item in page.items if item.shown(answers))
        if shown:
            out.append(SurveyPage(number, page, shown))
    return out


def counted_pages(campaign: Campaign) -> list[int]:
    """Numbers of the pages every pupil sees (at least one item without show_if): the
    "Page x of y" count. Pages of follow-up questions only are extra, not counted, so the
    total never changes while a pupil answers (see ``views_public._context``)."""
    return [
        number
        for number, page in enumerate(pages(campaign))
        if any(item.show_if is None for item in page.items)
    ]


def _failure(scope_key: str = "") -> None:
    throttle_hit(scope="survey.code.fail", key=scope_key, window_seconds=600)


def code_open(*, code_text: str) -> AnswerCode:
    """The code a pupil typed, if it may answer now. Failures are throttled overall."""
    limit = settings.HAVEN_SURVEY_CODE_FAILURES
    if throttle_count(scope="survey.code.fail", key="", window_seconds=600) >= limit:
        raise TooManyAttempts()
    digest = codes.code_hash(code_text)
    # One join: the pupil's pages read the campaign only (not its school, its jurisdiction or
    # the class), and the hash is unique, so no ORDER BY either (``first()`` would add one).
    found = (
        next(iter(AnswerCode.objects.select_related("campaign").filter(code_hash=digest)[:1]), None)
        if digest
        else None
    )
    if found is None:
        _failure()
        raise CodeInvalid()
    if found.state == AnswerCode.State.SUBMITTED:
        raise CodeUsed()
    campaign = found.campaign
    now = timezone.now()
    if now < campaign.opens_at and campaign.status == Campaign.Status.ACTIVE:
        raise SurveyNotYetOpen()
    if not campaign.is_running(now):
        raise SurveyClosed()
    return found


def _parse(item: Item, raw: str) -> Any:
    if item.closed:
        try:
            value: Any = int(raw)
        except (TypeError, ValueError):
            return None
        return value if item.valid(value) else None
    text = raw.strip()
    return text if item.valid(text) else None


TAMPERED = gettext_lazy(
    "An answer was not one of the choices offered. Nothing from this page was saved; "
    "please choose again."
)


def answers_save(*, code: AnswerCode, number: int, posted: dict[str, str]) -> AnswerCode:
    """Save the answers given on page ``number`` into the code's draft.

    ``posted`` maps item codes to the submitted strings. A value that is not one of the
    item's choices, or an item that is not on this page, refuses the whole page."""
    campaign = code.campaign
    if not campaign.is_running():
        raise SurveyClosed()
    all_pages = pages(campaign)
    if not 0 <= number < len(all_pages):
        raise InvalidInput(str(TAMPERED))
    on_page = {item.code: item for item in all_pages[number].items}
    draft = dict(code.draft)
    updates: dict[str, Any] = {}
    for key, raw in posted.items():
        item = on_page.get(key)
        if item is None:
            raise InvalidInput(str(TAMPERED))
        if not item.closed and not raw.strip():
            updates[key] = None
            continue
        value = _parse(item, raw)
        if value is None:
            raise InvalidInput(str(TAMPERED))
        updates[key] = value
    for key, value in updates.items():
        if value is None:
            draft.pop(key, None)
        else:
            draft[key] = value
    # One UPDATE statement is a transaction of its own (no BEGIN/COMMIT round trips).
    updated = (
        AnswerCode.objects.filter(pk=code.pk)
        .exclude(state=AnswerCode.State.SUBMITTED)
        .update(draft=seal(code, "draft", draft), state=AnswerCode.State.STARTED, page=number)
    )
    if not updated:
        raise CodeUsed()
    code.draft, code.state, code.page = draft, AnswerCode.State.STARTED, number
    return code


def missing_answers(campaign: Campaign, answers: dict[str, Any]) -> list[tuple[int, Item]]:
    """Required items shown for these answers and not answered, with their page number."""
    return [
        (page.number, item)
        for page in visible_pages(campaign, answers)
        for item in page.items
        if item.required and answers.get(item.code) in (None, "")
    ]


def response_submit(*, code: AnswerCode) -> Response:
    """Turn a code's draft into an anonymous response: the response keeps no trace of the
    code, the draft is deleted and the code can never answer again."""
    campaign = code.campaign
    if code.state == AnswerCode.State.SUBMITTED:
        raise CodeUsed()
    if not campaign.is_running():
        raise SurveyClosed()
    answers = dict(code.draft)
    missing = missing_answers(campaign, answers)
    if missing:
        raise AnswersMissing(missing)
    instrument = campaign.instrument
    school_items = _school_questions(campaign.school_questions)
    # Answers to questions hidden by show_if (given before an earlier answer changed) go.
    shown = {item.code for page in visible_pages(campaign, answers) for item in page.items}
    kept = {key: value for key, value in answers.items() if key in shown}
    with transaction.atomic():
        used = (
            AnswerCode.objects.filter(pk=code.pk)
            .exclude(state=AnswerCode.State.SUBMITTED)
            .update(state=AnswerCode.State.SUBMITTED, draft={}, page=0)
        )
        if not used:
            raise CodeUsed()
        response = Response.objects.create(
            campaign=campaign,
            class_unit_id=code.class_unit_id,
            answers=kept,
            measures=scoring.score(instrument, kept, school_items),
        )
    # After the transaction (a queued worker must find the response).
    _enqueue_refresh(campaign.pk)
    code.state, code.draft = AnswerCode.State.SUBMITTED, {}
    return response


def _enqueue_refresh(campaign_id: int) -> None:
    from haven.surveys.tasks import refresh_campaign

    refresh_campaign.enqueue(campaign_id)


# ---------------------------------------------------------------------------------------------
# Progress (read by the progress page; counts only)


def progress(campaign: Campaign) -> list[dict[str, Any]]:
    """Per class: pupils, codes made, started, submitted and the response rate.

    The rate counts answers against the pupils on the class roster. A class whose roster
    is empty, or lists fewer pupils than the codes made, is flagged ``roster_incomplete``:
    its rate may read too high, and a rate above 100% is not given at all (``rate`` None)."""
    counts: dict[tuple[int, str], int] = {
        (row["class_unit"], row["state"]): row["n"]
        for row in AnswerCode.objects.filter(campaign=campaign)
        .values("class_unit", "state")
        .annotate(n=Count("pk"))
    }
    entries = list(campaign.classes.select_related("class_unit"))
    rosters: dict[int, int] = {
        row["class_unit"]: row["n"]
        for row in Pupil.objects.filter(
            class_unit__in=[e.class_unit_id for e in entries], active=True
        )
        .values("class_unit")
        .annotate(n=Count("pk"))
    }
    rows = []
    for entry in entries:
        unit_id = entry.class_unit_id
        submitted = counts.get((unit_id, AnswerCode.State.SUBMITTED), 0)
        started = counts.get((unit_id, AnswerCode.State.STARTED), 0)
        unused = counts.get((unit_id, AnswerCode.State.UNUSED), 0)
        made = submitted + started + unused
        incomplete = rosters.get(unit_id, 0) == 0 or made > entry.eligible
        rate = submitted / entry.eligible if entry.eligible else None
        if rate is not None and rate > 1:
            rate = None  # more answers than pupils: not a rate
        rows.append(
            {
                "class_unit": entry.class_unit,
                "eligible": entry.eligible,
                "codes": made,
                "started": started,
                "submitted": submitted,
                "rate": rate,
                "low": rate is not None and rate < RESPONSE_RATE_FLAG,
                "roster_incomplete": incomplete,
            }
        )
    return rows


RESPONSE_RATE_FLAG = 0.5
