"""Prevention pages: the compliance overview, the plan, trainings, pledges, meetings, channels.

Views parse input, call a service or a selector and render. A unit the user may not read is
"not found", so that its registers' existence is not told.
"""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from haven.lib import tabular
from haven.lib.downloads import private_file
from haven.lib.errors import HavenError, InvalidInput, NotFound
from haven.lib.forms import parse_id
from haven.orgs import access
from haven.orgs.exports import export_response
from haven.orgs.models import OrgUnit
from haven.orgs.types import AuthedRequest, User
from haven.prevention import access as prevention_access
from haven.prevention import compliance, datafiles, exports, forms, selectors, services
from haven.prevention.access import Perm
from haven.prevention.errors import add_refusal
from haven.prevention.models import PlanActivity


def not_found_on_refusal(view: Callable[..., Any]) -> Callable[..., Any]:
    """NotFound and AccessDenied from selectors and services become a 404."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        try:
            return view(request, *args, **kwargs)
        except HavenError as exc:
            if exc.status in (403, 404):
                raise Http404(str(exc.message)) from exc
            raise

    return wrapped


def _year(request: HttpRequest, unit: OrgUnit) -> int:
    current = selectors.school_year_now(unit)
    try:
        year = int(request.GET.get("year") or request.POST.get("year") or current)
    except ValueError:
        return current
    return year if 2000 <= year <= current + 1 else current


def _year_context(unit: OrgUnit, year: int) -> dict[str, Any]:
    start, end = selectors.calendar_of(unit).year_bounds(year)
    current = selectors.school_year_now(unit)
    return {
        "year": year,
        "year_label": f"{year}-{year + 1}",
        "year_start": start,
        "year_end": end,
        "years": list(range(current, current - 4, -1)),
    }


def _with_year(url_name: str, pk: int, year: int) -> str:
    return f"{reverse(url_name, args=[pk])}?year={year}"


def _tabs(user: User, unit: OrgUnit, year: int | None) -> list[dict[str, Any]]:
    """The register pages of ``unit`` this user may open."""
    school = unit.kind == OrgUnit.Kind.SCHOOL
    review = access.can(user, Perm.PREVENTION_REVIEW, unit)
    pages = [
        ("prevention:overview", _("Compliance"), review),
        ("prevention:plan", _("Plan"), True),
        ("prevention:trainings", _("Trainings"), True),
        ("prevention:pledges", _("Pledges"), school and review),
        ("prevention:meetings", _("Meetings"), school),
        ("prevention:channels", _("Channels"), school),
    ]
    suffix = f"?year={year}" if year else ""
    tabs = [
        {"url": reverse(name, args=[unit.pk]) + suffix, "label": label, "name": name}
        for name, label, shown in pages
        if shown
    ]
    if school and selectors.schools_for_pledge(user=user).filter(pk=unit.pk).exists():
        tabs.append(
            {
                "url": f"{reverse('prevention:pledge_sign')}?school={unit.pk}",
                "label": _("My pledge"),
                "name": "prevention:pledge_sign",
            }
        )
    return tabs


def _render(
    request: AuthedRequest, template: str, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    unit = context.get("unit")
    if unit is not None:
        context["tabs"] = _tabs(request.user, unit, context.get("year"))
        current = request.resolver_match.view_name if request.resolver_match else ""
        context.setdefault("current_tab", current)
    return render(request, template, context, status=status)


@login_required
def home(request: AuthedRequest) -> HttpResponse:
    """The user's starting page: the overview of their highest unit, or their school's plan."""
    top = selectors.top_unit(user=request.user, perm=Perm.PREVENTION_REVIEW)
    if top is not None:
        return redirect("prevention:overview", top.pk)
    school = selectors.top_unit(user=request.user, perm=Perm.PREVENTION_VIEW)
    if school is not None:
        return redirect("prevention:plan", school.pk)
    if selectors.schools_for_pledge(user=request.user).exists():
        return redirect("prevention:pledge_sign")
    raise Http404()


@login_required
@not_found_on_refusal
def overview(request: AuthedRequest, unit_id: int) -> HttpResponse:
    """The compliance overview: one row per school at or below the unit, and the total."""
    unit = selectors.unit_get(user=request.user, pk=unit_id, perm=Perm.PREVENTION_REVIEW)
    year = _year(request, unit)
    schools = list(
        OrgUnit.objects.subtree_of(unit)
        .filter(kind=OrgUnit.Kind.SCHOOL)
        .select_related("jurisdiction")
        .order_by("name")
    )
    # Above the school (anyone who is not the schools' own staff) pupils' counts are small-
    # count protected; the school's coordinators and principal see their own as they are.
    protect = not access.can(request.user, Perm.PREVENTION_MANAGE, unit)
    found = compliance.overview(schools, year, unit=unit, protect=protect)
    fmt = tabular.requested(request)
    if fmt:
        return export_response(
            request,
            action="prevention.compliance_export",
            sheets=[exports.compliance_sheet(found)],
            fmt=fmt,
            filename=f"compliance-{unit.code}-{year}",
            org_unit=unit,
        )
    page = Paginator(found.rows, 200).get_page(request.GET.get("page"))
    indicators = compliance.INDICATORS

    def link(ind: compliance.Indicator, school: OrgUnit) -> str:
        if not access.can(request.user, ind.perm, school):
            return ""
        if ind.school_in_query:
            return f"{reverse(ind.url_name)}?school={school.pk}"
        return _with_year(ind.url_name, school.pk, year)

    table = [
        (
            school,
            [
                (cell, "" if cell.hidden else link(ind, school))
                for ind, cell in zip(indicators, cells, strict=True)
            ],
        )
        for school, cells in page.object_list
    ]
    children = (
        OrgUnit.objects.filter(parent=unit)
        .exclude(kind__in=[OrgUnit.Kind.CLASS, OrgUnit.Kind.SCHOOL])
        .order_by("name")
    )
    return _render(
        request,
        "prevention/overview.html",
        {
            "unit": unit,
            "ancestors": [
                a for a in unit.ancestors() if access.can(request.user, Perm.PREVENTION_REVIEW, a)
            ],
            "children": children,
            "indicators": indicators,
            "table": table,
            "groups": found.groups,
            "totals": found.totals,
            "marked": any(cell.marked for cell in found.totals),
            "page": page,
            "own_plan": unit.kind != OrgUnit.Kind.SCHOOL,
            **_year_context(unit, year),
        },
    )


# The plan


@login_required
@not_found_on_refusal
def plan(request: AuthedRequest, unit_id: int) -> HttpResponse:
    unit = selectors.unit_get(user=request.user, pk=unit_id)
    year = _year(request, unit)
    fmt = tabular.requested(request)
    if fmt:
        found = selectors.plan_get(user=request.user, unit=unit, year=year)
        activities = selectors.plan_activities_by_goal(plan=found) if found else []
        return export_response(
            request,
            action="prevention.plan_export",
            sheets=[exports.plan_sheet(a for _code, _label, items in activities for a in items)],
            fmt=fmt,
            filename=f"plan-{unit.code}-{year}",
            org_unit=unit,
        )
    return _plan_page(request, unit, year)


def _plan_page(
    request: AuthedRequest, unit: OrgUnit, year: int, activity_form: Any = None
) -> HttpResponse:
    """The plan page; ``activity_form`` is a refused new activity, shown again as typed."""
    found = selectors.plan_get(user=request.user, unit=unit, year=year)
    manage = prevention_access.can_manage_prevention(request.user, unit)
    has_previous = manage and selectors.plan_get(user=request.user, unit=unit, year=year - 1)
    context: dict[str, Any] = {
        "unit": unit,
        "plan": found,
        "manage": manage,
        "groups": selectors.plan_activities_by_goal(plan=found) if found else [],
        "create_form": forms.PlanCreateForm(
            templates=datafiles.templates(), has_previous=bool(has_previous)
        )
        if manage and found is None
        else None,
        "activity_form": (activity_form or forms.ActivityForm()) if manage and found else None,
        "current_tab": "prevention:plan",
        "below": selectors.plans_below(user=request.user, unit=unit, year=year)
        if unit.kind != OrgUnit.Kind.SCHOOL
        and access.can(request.user, Perm.PREVENTION_REVIEW, unit)
        else [],
        **_year_context(unit, year),
    }
    if found:
        activities = [a for _, _, items in context["groups"] for a in items]
        counted = [a for a in activities if a.status != "cancelled"]
        context["done"] = sum(1 for a in counted if a.status == "done")
        context["total"] = len(counted)
    return _render(request, "prevention/plan.html", context)


@login_required
@require_POST
@not_found_on_refusal
def plan_create(request: AuthedRequest, unit_id: int) -> HttpResponse:
    unit = selectors.unit_get(user=request.user, pk=unit_id)
    year = _year(request, unit)
    source = request.POST.get("source", "")
    try:
        services.plan_create(
            actor=request.user,
            unit=unit,
            year=year,
            template=source.removeprefix("template:") if source.startswith("template:") else "",
            copy_previous=source == "previous",
        )
        messages.success(request, _("The plan was created."))
    except HavenError as exc:
        if exc.status == 403:
            raise
        messages.error(request, str(exc.message))
    return redirect(_with_year("prevention:plan", unit.pk, year))


@login_required
@require_POST
@not_found_on_refusal
def activity_add(request: AuthedRequest, unit_id: int) -> HttpResponse:
    unit = selectors.unit_get(user=request.user, pk=unit_id)
    year = _year(request, unit)
    found = selectors.plan_get(user=request.user, unit=unit, year=year)
    if found is None:
        raise NotFound()
    form = forms.ActivityForm(request.POST)
    if form.is_valid():
        try:
            services.activity_add(actor=request.user, plan=found, **form.cleaned_data)
        except HavenError as exc:
            if exc.status == 403:
                raise
            add_refusal(form, exc)
    if form.errors:
        # The plan page again, with the activity as typed and what needs a change.
        return _plan_page(request, unit, year, activity_form=form)
    messages.success(request, _("The activity was added."))
    return redirect(_with_year("prevention:plan", unit.pk, year))


@login_required
@not_found_on_refusal
def activity(request: AuthedRequest, pk: int) -> HttpResponse:
    """One activity: its progress, evidence and result; managers record them here."""
    found = selectors.activity_get(user=request.user, pk=pk)
    unit = found.plan.unit
    manage = prevention_access.can_manage_prevention(request.user, unit)
    form = None
    if manage:
        initial = {
            "status": found.status,
            "starts_on": found.starts_on,
            "ends_on": found.ends_on,
            "evidence_note": found.evidence_note,
            "result_url": found.result_url,
        }
        if request.method == "POST":
            form = forms.ActivityProgressForm(request.POST, request.FILES, initial=initial)
            if form.is_valid():
                data = form.cleaned_data
                try:
                    services.activity_update(
                        actor=request.user,
                        activity=found,
                        status=data["status"],
                        evidence_note=data["evidence_note"],
                        evidence_file=data["evidence_file"],
                        result_url=data["result_url"],
                        starts_on=data["starts_on"],
                        ends_on=data["ends_on"],
                    )
                    messages.success(request, _("The activity was updated."))
                    return redirect(_with_year("prevention:plan", unit.pk, found.plan.year))
                except HavenError as exc:
                    if exc.status == 403:
                        raise
                    found.refresh_from_db()
                    form.add_error(None, str(exc.message))
        else:
            form = forms.ActivityProgressForm(initial=initial)
    elif request.method == "POST":
        raise Http404()
    return _render(
        request,
        "prevention/activity.html",
        {"activity": found, "unit": unit, "form": form, "manage": manage},
    )


@login_required
@not_found_on_refusal
def activity_evidence(request: AuthedRequest, pk: int) -> FileResponse:
    found: PlanActivity = selectors.activity_get(user=request.user, pk=pk)
    if not found.evidence_file:
        raise Http404()
    services.activity_record_evidence_view(actor=request.user, activity=found)
    return private_file(found.evidence_file, found.evidence_type)


# Trainings


@login_required
@not_found_on_refusal
def trainings(request: AuthedRequest, unit_id: int) -> HttpResponse:
    unit = selectors.unit_get(user=request.user, pk=unit_id)
    year = _year(request, unit)
    manage = prevention_access.can_manage_prevention(request.user, unit)
    school = unit.kind == OrgUnit.Kind.SCHOOL
    # Two forms on the page: the declared staff number (a school's) and a new training.
    staff_post = request.method == "POST" and "staff" in request.POST
    staff_form = (
        forms.StaffNumberForm(request.POST if staff_post else None) if manage and school else None
    )
    form = forms.TrainingForm(request.POST or None) if manage and not staff_post else None
    if staff_post:
        if staff_form is None:
            raise Http404()
        if staff_form.is_valid():
            try:
                services.staff_number_set(
                    actor=request.user, school=unit, year=year, **staff_form.cleaned_data
                )
                messages.success(request, _("The staff number was saved."))
                return redirect(_with_year("prevention:trainings", unit.pk, year))
            except HavenError as exc:
                if exc.status == 403:
                    raise
                staff_form.add_error(None, str(exc.message))
    elif request.method == "POST":
        if form is None:
            raise Http404()
        if form.is_valid():
            try:
                training = services.training_record(
                    actor=request.user, unit=unit, **form.cleaned_data
                )
                messages.success(request, _("The training was recorded. Now mark who attended."))
                return redirect("prevention:training", training.pk)
            except HavenError as exc:
                if exc.status == 403:
                    raise
                form.add_error(None, str(exc.message))
    staff = (
        selectors.staff_training(user=request.user, school=unit, year=year)
        if unit.kind == OrgUnit.Kind.SCHOOL
        else []
    )
    fmt = tabular.requested(request) if request.method == "GET" else None
    if fmt:
        found = list(selectors.trainings_for(user=request.user, unit=unit, year=year))
        return export_response(
            request,
            action="prevention.trainings_export",
            sheets=exports.training_sheets(request.user, found, staff),
            fmt=fmt,
            filename=f"trainings-{unit.code}-{year}",
            org_unit=unit,
        )
    return _render(
        request,
        "prevention/trainings.html",
        {
            "unit": unit,
            "trainings": selectors.trainings_for(user=request.user, unit=unit, year=year),
            "staff": staff,
            "trained": sum(1 for _, n in staff if n),
            "declared": selectors.staff_number_get(school=unit, year=year) if school else None,
            "staff_form": staff_form,
            "form": form,
            **_year_context(unit, year),
        },
    )


@login_required
@not_found_on_refusal
def training(request: AuthedRequest, pk: int) -> HttpResponse:
    found = selectors.training_get(user=request.user, pk=pk)
    manage = prevention_access.can_manage_prevention(request.user, found.unit)
    if request.method == "POST":
        if not manage:
            raise Http404()
        try:
            sent = request.POST.getlist("attended")
            ids = [i for i in map(parse_id, sent) if i is not None]
            if len(ids) < len(sent):
                raise InvalidInput()
            count = services.training_attendance_set(
                actor=request.user, training=found, user_ids=ids
            )
            messages.success(request, _("Attendance saved: %(count)s present.") % {"count": count})
            return redirect("prevention:training", found.pk)
        except HavenError as exc:
            if exc.status == 403:
                raise
            messages.error(request, str(exc.message))
    present = set(found.attendance.values_list("user_id", flat=True))
    people = (
        selectors.training_eligible(training=found)
        if manage
        else found.attendance.select_related("user")
    )
    return _render(
        request,
        "prevention/training.html",
        {"training": found, "manage": manage, "people": people, "present": present},
    )


# Pledges and commitments


@login_required
@not_found_on_refusal
def pledge_sign(request: AuthedRequest) -> HttpResponse:
    """A staff member reads this year's pledge text and signs it."""
    schools = list(selectors.schools_for_pledge(user=request.user))
    if not schools:
        raise Http404()
    wanted = request.POST.get("school") or request.GET.get("school")
    school = next((s for s in schools if str(s.pk) == wanted), schools[0])
    year = selectors.school_year_now(school)
    text = datafiles.pledge_for(school.jurisdiction.code)
    error = ""
    if request.method == "POST":
        try:
            sent = request.POST.get("version") or ""
            version = parse_id(sent)
            if sent and version is None:
                raise InvalidInput()
            services.pledge_sign(actor=request.user, school=school, text_version=version)
            messages.success(request, _("Thank you. Your pledge is recorded."))
            return redirect(f"{reverse('prevention:pledge_sign')}?school={school.pk}")
        except HavenError as exc:
            if exc.status == 403:
                raise
            error = str(exc.message)
    signed = selectors.pledge_own(user=request.user, school=school, year=year)
    return _render(
        request,
        "prevention/pledge_sign.html",
        {
            "schools": schools,
            "school": school,
            "text": text,
            "signed": signed,
            "signed_late": bool(signed and selectors.pledge_signed_late(signed, school)),
            "deadline": selectors.calendar_of(school).pledge_deadline_in(year),
            "deadline_passed": selectors.pledge_deadline_passed(school, year),
            "error": error,
            "year_label": f"{year}-{year + 1}",
        },
        status=422 if error else 200,
    )


@login_required
@not_found_on_refusal
def pledges(request: AuthedRequest, unit_id: int) -> HttpResponse:
    """Who signed this year's pledge and who has not by the deadline; the class and school
    commitments. Coordinators record paper signatures and commitments here."""
    school = selectors.school_get(user=request.user, pk=unit_id, perm=Perm.PREVENTION_REVIEW)
    year = _year(request, school)
    manage = prevention_access.can_manage_prevention(request.user, school)
    staff = selectors.school_staff(school)
    classes = selectors.school_classes(school)
    action = request.POST.get("action", "")
    paper_form = forms.PaperPledgeForm(
        request.POST if action == "paper" else None, staff=staff, prefix="paper"
    )
    class_form = forms.ClassCommitmentForm(
        request.POST if action == "class" else None, classes=classes, prefix="class"
    )
    school_form = forms.SchoolCommitmentForm(
        request.POST if action == "school" else None, prefix="school"
    )
    if request.method == "POST":
        if not manage:
            raise Http404()
        form: Any = {"paper": paper_form, "class": class_form, "school": school_form}.get(action)
        if form is not None and form.is_valid():
            data = form.cleaned_data
            try:
                if action == "paper":
                    services.pledge_record_paper(
                        actor=request.user,
                        school=school,
                        user=data["user"],
                        signed_on=data["signed_on"],
                    )
                elif action == "class":
                    services.class_commitment_record(
                        actor=request.user,
                        class_unit=data["class_unit"],
                        signed_on=data["signed_on"],
                        note=data["note"],
                    )
                else:
                    services.school_commitment_record(
                        actor=request.user,
                        school=school,
                        submitted_on=data["submitted_on"],
                        note=data["note"],
                    )
                messages.success(request, _("Recorded."))
                return redirect(_with_year("prevention:pledges", school.pk, year))
            except HavenError as exc:
                if exc.status == 403:
                    raise
                form.add_error(None, str(exc.message))
    rows, deadline = selectors.pledge_status(user=request.user, school=school, year=year)
    fmt = tabular.requested(request) if request.method == "GET" else None
    if fmt:
        return export_response(
            request,
            action="prevention.pledges_export",
            sheets=[exports.pledge_sheet(rows)],
            fmt=fmt,
            filename=f"pledges-{school.code}-{year}",
            org_unit=school,
        )
    return _render(
        request,
        "prevention/pledges.html",
        {
            "unit": school,
            "rows": rows,
            "signed": sum(1 for r in rows if r.pledge),
            "signed_late": sum(1 for r in rows if r.signed_late),
            "late": [r for r in rows if r.late],
            "deadline": deadline,
            "commitments": selectors.commitments(user=request.user, school=school, year=year),
            "manage": manage,
            "paper_form": paper_form,
            "class_form": class_form,
            "school_form": school_form,
            **_year_context(school, year),
        },
    )


# Parent meetings and pupil sessions


@login_required
@not_found_on_refusal
def meetings(request: AuthedRequest, unit_id: int) -> HttpResponse:
    school = selectors.school_get(user=request.user, pk=unit_id)
    year = _year(request, school)
    manage = prevention_access.can_manage_prevention(request.user, school)
    classes = selectors.school_classes(school)
    form = forms.MeetingForm(request.POST or None, classes=classes) if manage else None
    if request.method == "POST":
        if form is None:
            raise Http404()
        if form.is_valid():
            try:
                services.meeting_record(
                    actor=request.user,
                    school=school,
                    kind=form.cleaned_data["kind"],
                    held_on=form.cleaned_data["held_on"],
                    classes=list(form.cleaned_data["classes"]),
                    topic=form.cleaned_data["topic"],
                    attendance=form.cleaned_data["attendance"],
                )
                messages.success(request, _("The meeting was recorded."))
                return redirect(_with_year("prevention:meetings", school.pk, year))
            except HavenError as exc:
                if exc.status == 403:
                    raise
                form.add_error(None, str(exc.message))
    fmt = tabular.requested(request) if request.method == "GET" else None
    if fmt:
        found = selectors.meetings_for(user=request.user, school=school, year=year)
        return export_response(
            request,
            action="prevention.meetings_export",
            sheets=[exports.meeting_sheet(found)],
            fmt=fmt,
            filename=f"meetings-{school.code}-{year}",
            org_unit=school,
        )
    counts, minimum = selectors.class_meeting_counts(user=request.user, school=school, year=year)
    term = selectors.term_for(school, year)
    return _render(
        request,
        "prevention/meetings.html",
        {
            "unit": school,
            "meetings": selectors.meetings_for(user=request.user, school=school, year=year),
            "counts": counts,
            "minimum": minimum,
            "term": term,
            "form": form,
            **_year_context(school, year),
        },
    )


# Channels


@login_required
@not_found_on_refusal
def channels(request: AuthedRequest, unit_id: int) -> HttpResponse:
    school = selectors.school_get(user=request.user, pk=unit_id)
    manage = prevention_access.can_manage_prevention(request.user, school)
    classes = selectors.school_classes(school)
    form = (
        forms.ChannelForm(request.POST or None, school=school, classes=classes) if manage else None
    )
    if request.method == "POST":
        if form is None:
            raise Http404()
        if form.is_valid():
            unit = OrgUnit.objects.filter(pk=form.cleaned_data["unit"]).first()
            try:
                if unit is None:
                    raise NotFound()
                services.channel_record(
                    actor=request.user,
                    school=school,
                    unit=unit,
                    kind=form.cleaned_data["kind"],
                    detail=form.cleaned_data["detail"],
                    published_on=form.cleaned_data["published_on"],
                )
                messages.success(request, _("Recorded."))
                return redirect("prevention:channels", school.pk)
            except HavenError as exc:
                if exc.status == 403:
                    raise
                form.add_error(None, str(exc.message))
    rows, whole_school = selectors.channel_status(user=request.user, school=school)
    return _render(
        request,
        "prevention/channels.html",
        {
            "unit": school,
            "rows": rows,
            "reached": sum(1 for r in rows if r.reached),
            "whole_school": whole_school,
            "form": form,
            "can_print": access.can(request.user, Perm.POSTER_MAKE, school),
        },
    )
