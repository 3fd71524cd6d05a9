"""Pages of the care registers: pupils of concern, screening rounds, committee meetings.

Views parse input, call a service and render; what a user sees comes from the selectors.
Something the user may not see answers 404, as if it did not exist.
"""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from haven.care import access as care_access
from haven.care import exports, forms, selectors, services
from haven.care.access import Perm
from haven.care.models import ConcernEntry, ItemStatus, ScreeningItem
from haven.care.reasons import reason_name
from haven.cases import access as case_access
from haven.lib import tabular
from haven.lib.disclosure import min_cell, small
from haven.lib.errors import HavenError, InvalidInput, NotFound
from haven.lib.forms import parse_id
from haven.orgs import access
from haven.orgs.exports import MAX_ROWS, export_response
from haven.orgs.models import OrgUnit
from haven.orgs.types import AuthedRequest
from haven.prevention.errors import add_refusal


def _school(request: HttpRequest, perm: str) -> OrgUnit | None:
    """The school named by ``?school=`` among those where the user may do ``perm``; without
    one, the user's only such school, or None when they must choose."""
    schools = selectors.care_schools(user=request.user, perm=perm)
    first_two = list(schools[:2])
    if not first_two:
        raise PermissionDenied()
    wanted = request.GET.get("school", "")
    if wanted:
        school = schools.filter(pk=parse_id(wanted) or 0).first()
        if school is None:
            raise Http404()
        return school
    return first_two[0] if len(first_two) == 1 else None


def _choose_school(request: HttpRequest, perm: str, title: str) -> HttpResponse:
    schools = selectors.care_schools(user=request.user, perm=perm)[:500]
    return render(request, "care/choose_school.html", {"schools": schools, "title": title})


def _filter_school(request: HttpRequest) -> OrgUnit | None:
    """An optional ``?school=`` filter on a list (the list itself decides what is visible)."""
    wanted = request.GET.get("school", "")
    if not wanted:
        return None
    pk = parse_id(wanted) or 0
    reach = access.units(request.user).filter(pk=pk)
    if not reach.exists() and pk in access.member_school_ids(request.user):
        reach = OrgUnit.objects.filter(pk=pk)  # a class teacher's own school
    school = reach.filter(kind=OrgUnit.Kind.SCHOOL).first()
    if school is None:
        raise Http404()
    return school


# Pupils of concern


def _small_hidden(count: int) -> int | None:
    """The count, or None when it is 1 to ``HAVEN_MIN_CELL - 1``: the small-count rule for a
    count of pupils shown above the school (``haven.lib.disclosure``). A zero says no pupil
    is concerned and is shown."""
    return None if small(count, min_cell()) else count


def _all_entries(request: AuthedRequest, school: OrgUnit | None) -> QuerySet[ConcernEntry]:
    return selectors.concern_list(
        user=request.user, school=school, open_only=request.GET.get("all") != "1"
    )[:MAX_ROWS]


@login_required
def concern_list(request: AuthedRequest) -> HttpResponse:
    """Entries the user may read (names); for the level above, counts per school only."""
    school = _filter_school(request)
    today = services.school_today(school) if school else timezone.localdate()
    entries: list[ConcernEntry] = (
        [] if tabular.requested(request) else list(_all_entries(request, school)[:500])
    )
    if entries:
        services.concern_record_list(actor=request.user, entries=entries)
    readable = set(
        selectors.care_schools(user=request.user, perm=Perm.CONCERN_VIEW).values_list(
            "pk", flat=True
        )
    )
    # Counts of schools the user does not read as its own staff: above the school, so a
    # count of 1-9 pupils is hidden (and the overdue reviews among them with it).
    counts = [
        {
            "school": c.school,
            "open": _small_hidden(c.open),
            "overdue": None if _small_hidden(c.open) is None else _small_hidden(c.review_overdue),
        }
        for c in selectors.concern_counts(user=request.user, on=today, under=school)
        if c.school.pk not in readable
    ]
    fmt = tabular.requested(request)
    if fmt:
        # Names for whoever reads entries (the school's people, each pupil's adults); the
        # level above gets its counts, first, so that its CSV holds them.
        found = list(_all_entries(request, school))
        sheets = [exports.concern_sheet(found)] if found or readable or not counts else []
        if counts:
            sheets.append(exports.concern_counts_sheet(counts))
        return export_response(
            request,
            action="care.concern_export",
            sheets=sheets,
            fmt=fmt,
            filename="pupils-of-concern",
            org_unit=school,
        )
    for entry in entries:
        entry.reason_names = [reason_name(code) for code in entry.reasons]  # type: ignore[attr-defined]
        entry.review_overdue = bool(entry.review_on and entry.review_on < today)  # type: ignore[attr-defined]
    return render(
        request,
        "care/concern_list.html",
        {
            "entries": entries,
            "counts": counts,
            "school": school,
            "may_register": access.has_anywhere(request.user, Perm.CONCERN_VIEW),
        },
    )


@login_required
def concern_create(request: AuthedRequest) -> HttpResponse:
    school = _school(request, Perm.CONCERN_VIEW)
    if school is None:
        return _choose_school(request, Perm.CONCERN_VIEW, _("Register a pupil of concern"))
    form = forms.ConcernForm(request.POST or None, school=school)
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                entry = services.concern_register(actor=request.user, **data)
                messages.success(request, _("Saved."))
                return redirect("care:concern_detail", pk=entry.pk)
            except HavenError as exc:
                form.add_error(None, str(exc.message))
    return render(request, "care/concern_form.html", {"form": form, "school": school})


def _concern_or_404(request: HttpRequest, pk: int) -> ConcernEntry:
    try:
        return selectors.concern_get(user=request.user, pk=pk)
    except NotFound as exc:
        raise Http404() from exc


@login_required
def concern_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    """The entry, its log and, for whoever may, the forms that change it. Refused input
    shows the page again with the form as typed and what needs a change."""
    entry = _concern_or_404(request, pk)
    user = request.user
    if request.method != "POST":
        return _concern_page(request, entry)
    manage = care_access.can_manage_concern(user, entry)
    action = request.POST.get("action", "")
    form: Any = None
    if action == "follow_up":
        form = forms.FollowUpForm(request.POST)
    elif action == "update" and manage:
        form = forms.ConcernForm(request.POST, school=entry.school, entry=entry)
    elif action == "close" and manage:
        form = forms.CloseForm(request.POST)
    if form is None:
        messages.error(request, _("Unknown action."))
        return redirect("care:concern_detail", pk=entry.pk)
    if form.is_valid():
        write: Any = {
            "follow_up": services.concern_follow_up,
            "update": services.concern_update,
            "close": services.concern_close,
        }[action]
        try:
            write(actor=user, entry=entry, **form.cleaned_data)
        except HavenError as exc:
            if exc.status == 403:  # not theirs to change: nothing typed to keep for them
                messages.error(request, str(exc.message))
                return redirect("care:concern_detail", pk=entry.pk)
            add_refusal(form, exc)
    if form.errors:
        entry.refresh_from_db()
        return _concern_page(request, entry, {action: form})
    messages.success(request, _("Saved."))
    return redirect("care:concern_detail", pk=entry.pk)


def _concern_page(
    request: AuthedRequest, entry: ConcernEntry, refused: dict[str, Any] | None = None
) -> HttpResponse:
    """The entry's page; ``refused`` holds the one form sent back with its errors."""
    user = request.user
    refused = refused or {}
    manage = care_access.can_manage_concern(user, entry)
    services.concern_record_view(actor=user, entry=entry)
    today = services.school_today(entry.school)
    initial = {
        "reasons": entry.reasons,
        "reason_note": entry.reason_note,
        "responsible": entry.responsible_id,
        "mentor_user": entry.mentor_user_id,
        "mentor_kind": entry.mentor_kind,
        "mentor_name": entry.mentor_name,
        "mentor_role": entry.mentor_role,
        "review_on": entry.review_on,
    }
    is_open = entry.status == ConcernEntry.Status.OPEN
    return render(
        request,
        "care/concern_detail.html",
        {
            "entry": entry,
            "reason_names": [reason_name(code) for code in entry.reasons],
            "review_overdue": bool(entry.review_on and entry.review_on < today and is_open),
            "follow_ups": entry.follow_ups.select_related("by"),
            "cases": selectors.concern_cases(user=user, entry=entry),
            "is_open": is_open,
            "manage": manage and is_open,
            "follow_up_form": refused.get("follow_up") or forms.FollowUpForm(initial={"on": today}),
            "update_form": refused.get("update")
            or forms.ConcernForm(initial=initial, school=entry.school, entry=entry),
            "close_form": refused.get("close") or forms.CloseForm(),
        },
    )


# Screening rounds


@login_required
def round_list(request: AuthedRequest) -> HttpResponse:
    school = _filter_school(request)
    rounds = list(selectors.round_list(user=request.user, school=school)[:300])
    for round_ in rounds:
        round_.done = selectors.round_done(round_)  # type: ignore[attr-defined]
    return render(
        request,
        "care/round_list.html",
        {
            "rounds": rounds,
            "school": school,
            "may_create": access.has_anywhere(request.user, Perm.CARE_MANAGE),
        },
    )


@login_required
def round_create(request: AuthedRequest) -> HttpResponse:
    school = _school(request, Perm.CARE_MANAGE)
    if school is None:
        return _choose_school(request, Perm.CARE_MANAGE, _("New screening round"))
    form = forms.RoundForm(request.POST or None, school=school)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            round_ = services.screening_round_create(
                actor=request.user,
                school=school,
                name=data["name"],
                starts_on=data["starts_on"],
                ends_on=data["ends_on"],
                classes=list(data["classes"]),
            )
            messages.success(request, _("Saved."))
            return redirect("care:round_detail", pk=round_.pk)
        except HavenError as exc:
            form.add_error(None, str(exc.message))
    return render(request, "care/round_form.html", {"form": form, "school": school})


@login_required
def round_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    try:
        round_ = selectors.round_get(user=request.user, pk=pk)
    except NotFound as exc:
        raise Http404() from exc
    fmt = tabular.requested(request)
    if fmt:
        return _round_export(request, round_, fmt)
    return _round_page(request, round_)


def _sent_back(refused: dict[str, Any], answer: Any, action: str) -> Any:
    """The bound form sent back for this answer and action, or None (then a fresh one)."""
    if refused.get("answer") == answer.pk and refused.get("action") == action:
        return refused.get("form")
    return None


def _round_export(request: AuthedRequest, round_: Any, fmt: tabular.Format) -> HttpResponse:
    answers = selectors.round_answers(user=request.user, round_=round_).prefetch_related(
        "items__responsible"
    )
    return export_response(
        request,
        action="care.screening_export",
        sheets=[exports.ledger_sheet(round_, answers)],
        fmt=fmt,
        filename=f"screening-{round_.pk}",
        org_unit=round_.school,
    )


def _round_page(
    request: HttpRequest, round_: Any, refused: dict[str, Any] | None = None
) -> HttpResponse:
    """The round's page. ``refused`` is what was sent back: ``answer`` and ``action`` with the
    bound ``form``, or ``item`` and ``action`` with the ``message`` and the typed ``value``."""
    user = request.user
    refused = refused or {}
    school = round_.school
    today = services.school_today(school)
    answers = list(
        selectors.round_answers(user=user, round_=round_).prefetch_related(
            "items__responsible", "items__case"
        )
    )
    manage = access.can(user, Perm.CARE_MANAGE, school)
    people = forms.people_choices(school) if answers else []
    for answer in answers:
        answer.round = round_  # already read, with its school
        answer.may_answer = care_access.can_answer_screening(user, answer)  # type: ignore[attr-defined]
        for item in answer.items.all():  # prefetched: the page shows these very objects
            item.sent_back = refused["action"] if refused.get("item") == item.pk else ""  # type: ignore[attr-defined]
        if answer.may_answer:  # type: ignore[attr-defined]
            item_form = _sent_back(refused, answer, "item") or forms.ItemForm(
                school=school,
                auto_id=f"item{answer.pk}_%s",
                initial={"due_on": round_.ends_on},
            )
            forms.share_choices(item_form, "responsible", people)
            answer.item_form = item_form  # type: ignore[attr-defined]
        if manage:
            assign_form = _sent_back(refused, answer, "assign") or forms.AssignForm(
                school=school,
                auto_id=f"assign{answer.pk}_%s",
                initial={"responsible": answer.responsible_id},
            )
            forms.share_choices(assign_form, "responsible", people)
            answer.assign_form = assign_form  # type: ignore[attr-defined]
    return render(
        request,
        "care/round_detail.html",
        {
            "round": round_,
            "done": selectors.round_done(round_),
            "answers": answers,
            "counts": selectors.round_item_counts(round_=round_, on=today),
            "today": today,
            "manage": manage,
            "may_open_cases": access.can(user, Perm.CASE_MANAGE, school),
            "refused": refused,
        },
    )


@login_required
@require_POST
def round_answer(request: AuthedRequest, pk: int, answer_id: int) -> HttpResponse:
    """Record a class's findings: nothing found, a finding, or who answers for the class."""
    try:
        round_ = selectors.round_get(user=request.user, pk=pk)
    except NotFound as exc:
        raise Http404() from exc
    answer = (
        selectors.round_answers(user=request.user, round_=round_)
        .select_related("round__school")
        .filter(pk=answer_id)
        .first()
    )
    if answer is None:
        raise Http404()
    user = request.user
    action = request.POST.get("action", "")
    if action in ("item", "assign"):
        form_class = forms.ItemForm if action == "item" else forms.AssignForm
        form = form_class(request.POST, school=round_.school, auto_id=f"{action}{answer.pk}_%s")
        if form.is_valid():
            write = services.screening_item_add if action == "item" else services.screening_assign
            try:
                write(actor=user, answer=answer, **form.cleaned_data)
            except HavenError as exc:
                if exc.status == 403:
                    raise Http404() from exc
                add_refusal(form, exc)
        if form.errors:
            # Shown again as typed, beside what needs a change; nothing was stored.
            refused = {"answer": answer.pk, "action": action, "form": form}
            return _round_page(request, round_, refused)
        messages.success(request, _("Saved."))
        return redirect("care:round_detail", pk=round_.pk)
    try:
        if action == "none_found":
            services.screening_none_found(actor=user, answer=answer)
        else:
            raise InvalidInput(_("Unknown action."))
        messages.success(request, _("Saved."))
    except HavenError as exc:
        if exc.status == 403:
            raise Http404() from exc
        messages.error(request, str(exc.message))
    return redirect("care:round_detail", pk=round_.pk)


@login_required
@require_POST
def item_act(request: AuthedRequest, pk: int, item_id: int) -> HttpResponse:
    """Resolve a finding, open a case from it, or link it to a case already open."""
    try:
        round_ = selectors.round_get(user=request.user, pk=pk)
    except NotFound as exc:
        raise Http404() from exc
    answers = selectors.round_answers(user=request.user, round_=round_)
    item = (
        ScreeningItem.objects.filter(answer__in=answers, pk=item_id)
        .select_related("answer__round__school")
        .first()
    )
    if item is None:
        raise Http404()
    user = request.user
    action = request.POST.get("action", "")
    typed = {"resolve": "resolution", "open_case": "title", "link_case": "case"}
    try:
        if action == "resolve":
            services.screening_item_resolve(
                actor=user, item=item, resolution=request.POST.get("resolution", "")
            )
        elif action == "open_case":
            case = services.screening_item_open_case(
                actor=user, item=item, title=request.POST.get("title", "")
            )
            messages.success(request, _("Case opened."))
            return redirect("cases:case_detail", pk=case.pk)
        elif action == "link_case":
            wanted = request.POST.get("case", "")
            visible = case_access.cases_visible(user)
            found = visible.filter(pk=parse_id(wanted) or 0).first()
            if found is None:
                raise InvalidInput(_("Choose a case of this school that you can see."))
            services.screening_item_link_case(actor=user, item=item, case=found)
        else:
            raise InvalidInput(_("Unknown action."))
        messages.success(request, _("Saved."))
    except HavenError as exc:
        if exc.status == 403:
            raise Http404() from exc
        item.refresh_from_db(fields=["status"])
        if action in typed and item.status == ItemStatus.OPEN:
            # Shown again with what was typed; nothing was stored. (A finding dealt with
            # meanwhile has no form left to show: the message says so instead.)
            refused = {
                "item": item.pk,
                "action": action,
                "message": str(exc.message),
                "value": request.POST.get(typed[action], ""),
            }
            return _round_page(request, round_, refused)
        messages.error(request, str(exc.message))
    return redirect("care:round_detail", pk=round_.pk)


# Committee meetings


@login_required
def meeting_list(request: AuthedRequest) -> HttpResponse:
    school = _filter_school(request)
    fmt = tabular.requested(request)
    if fmt:
        meetings = selectors.meeting_list(user=request.user, school=school)
        return export_response(
            request,
            action="care.decisions_export",
            sheets=[
                exports.decisions_sheet(
                    meetings.prefetch_related("decisions__responsible")[:MAX_ROWS]
                )
            ],
            fmt=fmt,
            filename="decisions",
            org_unit=school,
        )
    return render(
        request,
        "care/meeting_list.html",
        {
            "meetings": selectors.meeting_list(user=request.user, school=school)[:300],
            "school": school,
            "may_create": access.has_anywhere(request.user, Perm.CARE_MANAGE),
        },
    )


@login_required
def meeting_create(request: AuthedRequest) -> HttpResponse:
    school = _school(request, Perm.CARE_MANAGE)
    if school is None:
        return _choose_school(request, Perm.CARE_MANAGE, _("Record a committee meeting"))
    form = forms.MeetingForm(request.POST or None, school=school, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            meeting = services.meeting_record(
                actor=request.user,
                school=school,
                body=data["body"],
                held_on=data["held_on"],
                members=list(data["members"]),
                external_members=data["external_members"],
                concerns=list(data["concerns"]),
                cases=list(data["cases"]),
                minutes=data["minutes"],
            )
            messages.success(request, _("Saved."))
            return redirect("care:meeting_detail", pk=meeting.pk)
        except HavenError as exc:
            form.add_error(None, str(exc.message))
    # The form lists the open entries by pupil: that read is audited like the register's.
    shown = list(form.fields["concerns"].queryset)  # type: ignore[attr-defined]
    services.concern_record_list(actor=request.user, entries=shown)
    return render(request, "care/meeting_form.html", {"form": form, "school": school})


@login_required
def meeting_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    try:
        meeting = selectors.meeting_get(user=request.user, pk=pk)
    except NotFound as exc:
        raise Http404() from exc
    user = request.user
    decision_form = forms.DecisionForm(school=meeting.school)
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action == "decision":
            decision_form = forms.DecisionForm(request.POST, school=meeting.school)
            if decision_form.is_valid():
                try:
                    services.decision_add(actor=user, meeting=meeting, **decision_form.cleaned_data)
                except HavenError as exc:
                    if exc.status == 403:  # the page, but not the form, is theirs
                        messages.error(request, str(exc.message))
                        return redirect("care:meeting_detail", pk=meeting.pk)
                    add_refusal(decision_form, exc)
            if not decision_form.errors:
                messages.success(request, _("Saved."))
                return redirect("care:meeting_detail", pk=meeting.pk)
        else:
            try:
                if action == "decision_done":
                    wanted = request.POST.get("decision", "")
                    decision = meeting.decisions.filter(pk=parse_id(wanted) or 0).first()
                    if decision is None:
                        raise InvalidInput(_("Unknown decision."))
                    services.decision_done(actor=user, decision=decision)
                else:
                    raise InvalidInput(_("Unknown action."))
                messages.success(request, _("Saved."))
            except HavenError as exc:
                messages.error(request, str(exc.message))
            return redirect("care:meeting_detail", pk=meeting.pk)
    services.meeting_record_view(actor=user, meeting=meeting)
    manage = access.can(user, Perm.CARE_MANAGE, meeting.school)
    return render(
        request,
        "care/meeting_detail.html",
        {
            "meeting": meeting,
            "members": meeting.members.all(),
            "concerns": selectors.meeting_concerns(user=user, meeting=meeting),
            "cases": selectors.meeting_cases(user=user, meeting=meeting),
            "hidden": selectors.meeting_hidden_count(user=user, meeting=meeting),
            "decisions": meeting.decisions.select_related("responsible"),
            "manage": manage,
            "decision_form": decision_form,
        },
    )
