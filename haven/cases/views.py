"""Case pages: the list, one case with its steps, and what partner agencies answer."""

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from haven.cases import access as case_access
from haven.cases import casefile, forms, selectors, services
from haven.cases.exports import case_sheets
from haven.cases.models import Case, Referral
from haven.intake import selectors as intake_selectors
from haven.intake import services as intake_services
from haven.intake.forms import FILE_TYPES
from haven.lib import tabular
from haven.lib.downloads import private_file
from haven.lib.errors import HavenError, InvalidInput, NotFound
from haven.lib.forms import parse_id
from haven.orgs.exports import MAX_ROWS, export_response
from haven.orgs.models import Role
from haven.orgs.types import AuthedRequest
from haven.procedures import engine


def _case_or_404(request: HttpRequest, pk: int) -> Case:
    try:
        return selectors.case_get(user=request.user, pk=pk)
    except NotFound as exc:
        raise Http404(str(exc.message)) from exc


@login_required
def case_list(request: AuthedRequest) -> HttpResponse:
    """Every signed-in user's own list: what they may see, which may be nothing."""
    fmt = tabular.requested(request)
    if fmt:
        found = list(selectors.case_list(user=request.user)[:MAX_ROWS])
        return export_response(
            request, action="cases.export", sheets=case_sheets(found), fmt=fmt, filename="cases"
        )
    cases = selectors.case_list(user=request.user)[:200]
    overdue = [
        (timer, _timer_name(services.procedure_of(timer.case), timer.code))
        for timer in selectors.overdue_timers(user=request.user)[:100]
    ]
    referrals = selectors.referral_list(user=request.user)[:100]
    return render(
        request,
        "cases/case_list.html",
        {"cases": cases, "overdue": overdue, "referrals": referrals},
    )


def _appeals(case: Case) -> list[Any]:
    """The case's appeals, each with the committee's judgment recorded for it (if any) and
    whether its deadline was already extended (the one extension allowed)."""
    judgments: dict[Any, str] = {}
    extended: set[Any] = set()
    events = case.events.filter(kind__in=["appeal_judgment", "appeal_extended"])
    for event in events.order_by("created_at", "pk"):
        if event.kind == "appeal_extended":
            extended.add(event.details.get("appeal"))
        else:
            judgments[event.details.get("appeal")] = event.details.get("judgment", "")
    appeals = list(case.appeals.select_related("decided_by"))
    for appeal in appeals:
        appeal.judgment = judgments.get(appeal.pk, "")  # type: ignore[attr-defined]
        appeal.extended = appeal.pk in extended  # type: ignore[attr-defined]
    return appeals


def _detail_context(request: AuthedRequest, case: Case) -> dict[str, Any]:
    procedure = services.procedure_of(case)
    manage = case_access.can_manage_case(request.user, case)
    roles = case_access.case_roles(request.user, case)
    filled = services.filled_fields(case)
    notified = set(case.notifications.values_list("code", flat=True))
    case_facts = services.case_facts(case)
    steps = [
        (t, *engine.still_needed(procedure, t, filled, notified, case_facts))
        for t in procedure.transitions_from(case.state)
        if t.roles & roles
    ]
    timers = list(case.timers.all())
    steps_need_members = any(step[0].members_present for step in steps)
    conversations = selectors.case_conversations(user=request.user, case=case)
    # Opening the case reads its reporters' messages (for those who answer them).
    for conversation in conversations:
        intake_services.report_record_view(actor=request.user, report=conversation.report)
    closes = any(procedure.state(step[0].target).final for step in steps)
    facts = {
        "title": case.title,
        "case_type": case.case_type,
        "severity": case.severity,
        "determination": case.determination,
        "determination_reason": case.determination_reason,
        "narrative": case.narrative,
    }
    return {
        "file_types": FILE_TYPES,  # what the intake's cleaning accepts, one list
        "case": case,
        "procedure": procedure,
        "state": procedure.state(case.state),
        "steps": steps if case.closed_at is None else [],
        "manage": manage and case.closed_at is None,
        "labels": {
            "case_type": procedure.label("case_types", case.case_type),
            "severity": procedure.label("severities", case.severity),
            "determination": procedure.label("determinations", case.determination),
        },
        # Step timers and notification deadlines in one list, soonest first: a step's timer
        # may itself be met by a notification (Romania's "parents informed").
        "deadlines": selectors.case_deadlines(case=case, procedure=procedure, timers=timers),
        "notifications": [
            (n, next((x.name for x in procedure.notifications if x.code == n.code), n.code))
            for n in case.notifications.all()
        ],
        "referrals": [
            (r, next((x.name for x in procedure.referrals if x.code == r.kind), r.kind))
            for r in case.referrals.select_related("agency")
        ],
        "parties": case.parties.all(),
        "team": case.team.select_related("user"),
        "notes": case_access.notes_visible(request.user, case).select_related("author"),
        "reports": [c.report for c in conversations],
        "conversations": conversations,
        "may_answer": manage,
        # The closing step tells the reporters the outcome the lead picks.
        "closing_messages": list(services.closing_messages(case).values())
        if closes and conversations
        else [],
        "timeline": _named_steps(selectors.case_timeline(case=case), procedure),
        "facts_form": forms.CaseFactsForm(initial=facts, procedure=procedure),
        "notification_form": forms.NotificationForm(procedure=procedure),
        "party_form": forms.PartyForm(school=case.school),
        "referral_form": forms.ReferralForm(procedure=procedure, school=case.school),
        "team_form": forms.TeamForm(school=case.school),
        "note_form": forms.NoteForm(restricted=Role.PSYCHOLOGIST in roles),
        "appeals": _appeals(case),
        "appeal_form": forms.AppealForm()
        if procedure.appeal and case.determination and manage
        else None,
        "steps_need_members": steps_need_members,
        "reviewer": bool(procedure.appeal and procedure.appeal.reviewer in roles),
        "appeal_extension": procedure.appeal.extension if procedure.appeal else None,
        "appeal_judge": procedure.appeal.judged_by if procedure.appeal else None,
        "decision_form": forms.AppealDecisionForm(procedure=procedure),
        "file_audiences": casefile.allowed_audiences(request.user, case),
        "measures": case.measures.select_related("party", "responsible"),
        "attachments": case.attachments.select_related("added_by"),
        "measure_form": forms.MeasureForm(case=case),
    }


def _timer_name(procedure: Any, code: str) -> str:
    found = engine.timer(procedure, code)
    return found.name if found else code


def _named_steps(events: list[Any], procedure: Any) -> list[Any]:
    """Give each "step taken" event the step's name in the reader's language."""
    for event in events:
        code = (event.details or {}).get("step")
        transition = procedure.transition(code) if code else None
        event.step_name = transition.name if transition else ""
    return events


@login_required
def case_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    case = _case_or_404(request, pk)
    services.case_record_view(actor=request.user, case=case)
    if not case_access.case_sees_everything(request.user, case):
        procedure = services.procedure_of(case)
        return render(
            request,
            "cases/case_summary.html",
            {
                "case": case,
                "state": procedure.state(case.state),
                "measures": case.measures.filter(responsible_id=request.user.pk),
            },
        )
    return render(request, "cases/case_detail.html", _detail_context(request, case))


def _form_error(form: Any) -> str:
    return " ".join(str(e) for errors in form.errors.values() for e in errors)


@login_required
@require_POST
def case_act(request: AuthedRequest, pk: int) -> HttpResponse:
    case = _case_or_404(request, pk)
    action = request.POST.get("action", "")
    user = request.user
    procedure = services.procedure_of(case)
    form: Any
    saved = _("Saved.")
    try:
        if action == "step":
            services.case_transition(
                actor=user,
                case=case,
                code=request.POST.get("step", ""),
                members_present=request.POST.get("members_present", ""),
                confirmed=request.POST.getlist("confirm"),
                closing_message=request.POST.get("closing_message", ""),
                closing_note=request.POST.get("closing_note", ""),
            )
        elif action in ("reply", "ask"):
            report = selectors.case_report_get(
                user=user, case=case, pk=parse_id(request.POST.get("report")) or 0
            )
            intake_services.report_staff_write(
                actor=user,
                report=report,
                body=request.POST.get("body", ""),
                ask_for_information=action == "ask",
            )
            saved = _("Your message was sent. The reporter sees it with their receipt.")
        elif action == "facts":
            form = forms.CaseFactsForm(request.POST, procedure=procedure)
            if not form.is_valid():
                raise InvalidInput(_form_error(form))
            services.case_update(actor=user, case=case, changes=form.cleaned_data)
        elif action == "notification":
            form = forms.NotificationForm(request.POST, procedure=procedure)
            if not form.is_valid():
                raise InvalidInput(_form_error(form))
            services.case_notification_record(actor=user, case=case, **form.cleaned_data)
        elif action == "party":
            form = forms.PartyForm(request.POST, school=case.school)
            if not form.is_valid():
                raise InvalidInput(_form_error(form))
            services.case_party_add(actor=user, case=case, **form.cleaned_data)
        elif action == "referral":
            form = forms.ReferralForm(request.POST, procedure=procedure, school=case.school)
            if not form.is_valid():
                raise InvalidInput(_form_error(form))
            services.referral_send(actor=user, case=case, **form.cleaned_data)
        elif action == "team":
            form = forms.TeamForm(request.POST, school=case.school)
            if not form.is_valid():
                raise InvalidInput(_form_error(form))
            services.case_member_add(actor=user, case=case, **form.cleaned_data)
        elif action == "appeal":
            form = forms.AppealForm(request.POST)
            if not form.is_valid():
                raise InvalidInput(_form_error(form))
            services.appeal_file(actor=user, case=case, **form.cleaned_data)
        elif action == "appeal_decide":
            form = forms.AppealDecisionForm(request.POST, procedure=procedure)
            if not form.is_valid():
                raise InvalidInput(_form_error(form))
            appeal = case.appeals.filter(pk=form.cleaned_data["appeal"]).first()
            if appeal is None:
                raise InvalidInput(_("Unknown appeal."))
            services.appeal_decide(
                actor=user,
                appeal=appeal,
                outcome=form.cleaned_data["outcome"],
                decision=form.cleaned_data["decision"],
                determination=form.cleaned_data["determination"],
            )
        elif action == "appeal_judgment":
            appeal = case.appeals.filter(pk=parse_id(request.POST.get("appeal")) or 0).first()
            if appeal is None:
                raise InvalidInput(_("Unknown appeal."))
            services.appeal_judgment_record(
                actor=user, appeal=appeal, judgment=request.POST.get("judgment", "")
            )
        elif action == "appeal_extend":
            appeal = case.appeals.filter(pk=parse_id(request.POST.get("appeal")) or 0).first()
            if appeal is None:
                raise InvalidInput(_("Unknown appeal."))
            services.appeal_extend(actor=user, appeal=appeal)
        elif action == "measure":
            form = forms.MeasureForm(request.POST, case=case)
            if not form.is_valid():
                raise InvalidInput(_form_error(form))
            services.measure_add(actor=user, case=case, **form.cleaned_data)
        elif action == "measure_done":
            measure = case.measures.filter(pk=parse_id(request.POST.get("measure")) or 0).first()
            if measure is None:
                raise InvalidInput(_("Unknown measure."))
            services.measure_done(actor=user, measure=measure)
        elif action == "file":
            upload = request.FILES.get("file")
            if upload is None:
                raise InvalidInput(_("Choose a file."))
            services.case_file_add(
                actor=user,
                case=case,
                upload=upload,
                description=request.POST.get("description", ""),
            )
        elif action == "note":
            form = forms.NoteForm(request.POST)
            if not form.is_valid():
                raise InvalidInput(_form_error(form))
            services.case_note_add(actor=user, case=case, **form.cleaned_data)
        else:
            raise InvalidInput(_("Unknown action."))
        messages.success(request, saved)
    except HavenError as exc:
        messages.error(request, str(exc.message))
    return redirect("cases:case_detail", pk=case.pk)


@login_required
@require_POST
def case_open_from_report(request: AuthedRequest, report_id: int) -> HttpResponse:
    try:
        report = intake_selectors.report_get(user=request.user, pk=report_id)
    except NotFound as exc:
        raise Http404() from exc
    try:
        case = services.case_open(
            actor=request.user,
            school=report.school,
            title=request.POST.get("title", ""),
            reports=[report],
        )
    except HavenError as exc:
        if exc.status == 403:
            raise Http404() from exc
        messages.error(request, str(exc.message))
        return redirect("intake:report_detail", pk=report.pk)
    return redirect("cases:case_detail", pk=case.pk)


@login_required
def referral_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    try:
        referral = selectors.referral_get(user=request.user, pk=pk)
    except NotFound as exc:
        raise Http404() from exc
    if request.method == "POST":
        try:
            services.referral_answer(
                actor=request.user,
                referral=referral,
                status=request.POST.get("status", ""),
                answer=request.POST.get("answer", ""),
            )
            messages.success(request, _("Your answer was sent to the school."))
            return redirect("cases:referral_detail", pk=referral.pk)
        except HavenError as exc:
            messages.error(request, str(exc.message))
    procedure = services.procedure_of(referral.case)
    return render(
        request,
        "cases/referral_detail.html",
        {
            "referral": referral,
            "kind": next((r.name for r in procedure.referrals if r.code == referral.kind), ""),
            "statuses": Referral.Status,
        },
    )


@login_required
@require_POST
def case_file(request: AuthedRequest, pk: int) -> HttpResponse:
    """The case file as PDF, for the audience and in the language asked for."""
    case = _case_or_404(request, pk)
    language = request.POST.get("language", "")
    if language not in dict(settings.LANGUAGES):
        language = translation.get_language() or settings.LANGUAGE_CODE
    try:
        pdf = casefile.case_file_pdf(
            actor=request.user,
            case=case,
            audience=request.POST.get("audience", ""),
            language=language,
        )
    except HavenError as exc:
        if exc.status == 403:
            raise Http404() from exc
        messages.error(request, str(exc.message))
        return redirect("cases:case_detail", pk=case.pk)
    return _pdf(pdf, f"case-{case.pk}-{language}.pdf")


@login_required
def referral_file(request: AuthedRequest, pk: int) -> HttpResponse:
    try:
        referral = selectors.referral_get(user=request.user, pk=pk)
    except NotFound as exc:
        raise Http404() from exc
    pdf = casefile.referral_file_pdf(
        actor=request.user, referral=referral, language=translation.get_language() or "en"
    )
    return _pdf(pdf, f"referral-{referral.pk}.pdf")


def _pdf(pdf: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(True, filename) or "attachment"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def case_attachment(request: AuthedRequest, pk: int, attachment_id: int) -> FileResponse:
    case = _case_or_404(request, pk)
    attachment = case.attachments.filter(pk=attachment_id).first()
    if attachment is None:
        raise Http404()
    services.case_file_record_view(actor=request.user, attachment=attachment)
    return private_file(attachment.file, attachment.content_type)
