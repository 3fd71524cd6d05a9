"""Staff pages: the triage inbox, one report with its actions, staff entry, files."""

import secrets
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from haven.intake import exports, selectors, services
from haven.intake.forms import StaffReportForm
from haven.intake.models import Channel, Harm, Report, Status
from haven.lib import tabular
from haven.lib.downloads import private_file
from haven.lib.errors import HavenError, InvalidInput, NotFound
from haven.lib.forms import parse_id
from haven.orgs import access
from haven.orgs.access import Perm
from haven.orgs.exports import MAX_ROWS, export_response
from haven.orgs.models import OrgUnit
from haven.orgs.types import AuthedRequest, User


class InboxFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=gettext_lazy("Status"), choices=[("", "—"), *Status.choices], required=False
    )
    harm = forms.ChoiceField(
        label=gettext_lazy("Kind"), choices=[("", "—"), *Harm.choices], required=False
    )
    channel = forms.ChoiceField(
        label=gettext_lazy("Channel"), choices=[("", "—"), *Channel.choices], required=False
    )
    urgent = forms.ChoiceField(
        label=gettext_lazy("Urgency"),
        choices=[
            ("", "—"),
            ("yes", gettext_lazy("urgent only")),
            ("no", gettext_lazy("not urgent")),
        ],
        required=False,
    )
    class_unit = forms.ModelChoiceField(
        label=gettext_lazy("Class"), queryset=OrgUnit.objects.none(), required=False
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any):
        super().__init__(*args, **kwargs)
        schools = selectors.schools_for_triage(user=user)[:2]
        if len(schools) == 1:
            # A class filter makes sense inside one school; above it there are thousands.
            self.fields["class_unit"].queryset = OrgUnit.objects.filter(  # type: ignore[attr-defined]
                parent=schools[0], kind=OrgUnit.Kind.CLASS
            ).order_by("name")
        else:
            del self.fields["class_unit"]

    def to_filter(self) -> selectors.InboxFilter:
        data = self.cleaned_data if self.is_valid() else {}
        urgent = {"yes": True, "no": False}.get(data.get("urgent") or "")
        return selectors.InboxFilter(
            status=data.get("status") or "",
            harm=data.get("harm") or "",
            channel=data.get("channel") or "",
            class_unit=data["class_unit"].pk if data.get("class_unit") else None,
            urgent=urgent,
        )


def _report_or_404(request: HttpRequest, pk: int) -> Report:
    try:
        return selectors.report_get(user=request.user, pk=pk)
    except NotFound as exc:
        raise Http404(str(exc.message)) from exc


@login_required
def inbox(request: AuthedRequest) -> HttpResponse:
    if not (
        access.has_anywhere(request.user, Perm.REPORT_VIEW)
        or access.has_anywhere(request.user, Perm.REPORT_RAISED)
    ):
        raise Http404()
    filter_form = InboxFilterForm(request.GET or None, user=request.user)
    found = selectors.report_inbox(user=request.user, filters=filter_form.to_filter())
    fmt = tabular.requested(request)
    if fmt:
        return export_response(
            request,
            action="intake.export",
            sheets=[exports.inbox_sheet(found[:MAX_ROWS])],
            fmt=fmt,
            filename="reports",
        )
    reports = found[:200]
    template = "intake/_inbox_rows.html" if request.htmx else "intake/inbox.html"  # type: ignore[attr-defined]
    return render(
        request,
        template,
        {
            "filter_form": filter_form,
            "reports": reports,
            "can_enter": access.has_anywhere(request.user, Perm.REPORT_CREATE),
        },
    )


@login_required
def report_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    report = _report_or_404(request, pk)
    unread = report.unread_since is not None  # before opening it reads the messages
    services.report_record_view(actor=request.user, report=report)
    can_triage = access.can(request.user, Perm.REPORT_TRIAGE, report.school)
    return render(
        request,
        "intake/report_detail.html",
        {
            "report": report,
            "timeline": selectors.report_timeline(report=report),
            "attachments": report.attachments.all(),
            "can_triage": can_triage and report.status in services.OPEN_STATUSES,
            # The conversation outlives triage: answered after a case opens or a merge too.
            "can_reply": report.status in services.CONVERSATION_STATUSES
            and services.may_answer(request.user, report),
            "unread": unread,
            "merge_candidates": selectors.merge_candidates(user=request.user, report=report)
            if can_triage
            else [],
            # Cases sit above intake: their rules are asked by name (registered by cases).
            "can_open_case": access.rule("cases.may_open")(request.user, report.school),
            "cases": access.rule("cases.visible")(request.user).filter(reports=report),
        },
    )


ACTIONS = {"urgent", "not_urgent", "acknowledge", "reply", "ask", "merge", "dismiss"}


@login_required
@require_POST
def report_act(request: AuthedRequest, pk: int) -> HttpResponse:
    report = _report_or_404(request, pk)
    action = request.POST.get("action", "")
    user = request.user
    try:
        if action == "acknowledge":
            services.report_acknowledge(actor=user, report=report)
            messages.success(request, _("You have taken the report on. Nobody else is chased."))
        elif action in ("urgent", "not_urgent"):
            services.report_set_urgent(actor=user, report=report, urgent=action == "urgent")
            messages.success(request, _("Urgency updated."))
        elif action in ("reply", "ask"):
            services.report_staff_write(
                actor=user,
                report=report,
                body=request.POST.get("body", ""),
                ask_for_information=action == "ask",
            )
            messages.success(
                request, _("Your message was sent. The reporter sees it with their receipt.")
            )
        elif action == "merge":
            into_id = parse_id(request.POST.get("into"))
            if into_id is None:
                raise InvalidInput()
            into = _report_or_404(request, into_id)
            services.report_merge(actor=user, report=report, into=into)
            messages.success(request, _("The report was merged."))
        elif action == "dismiss":
            services.report_dismiss(
                actor=user, report=report, reason=request.POST.get("reason", "")
            )
            messages.success(request, _("The report was dismissed."))
        else:
            messages.error(request, _("Unknown action."))
    except HavenError as exc:
        if exc.status == 403:
            raise Http404() from exc
        messages.error(request, str(exc.message))
    return redirect("intake:report_detail", pk=report.pk)


@login_required
def report_enter(request: AuthedRequest) -> HttpResponse:
    """A staff member records a report that came by phone, letter box, in person..."""
    schools = selectors.schools_for_entry(user=request.user)
    if not schools.exists():
        raise Http404()
    school_id = request.POST.get("school") or request.GET.get("school")
    school_pk = parse_id(school_id)
    school = schools.filter(pk=school_pk).first() if school_pk else None
    if school is None and schools.count() == 1:
        school = schools.first()
    if school is None:
        return render(request, "intake/report_enter_school.html", {"schools": schools})
    if request.method == "POST":
        form = StaffReportForm(request.POST, request.FILES, school=school)
        if form.is_valid() and form.report is not None:
            try:
                report, receipt = services.report_submit(
                    school=school,
                    data=form.report,
                    language=get_language() or "en",
                    entered_by=request.user,
                    submission_token=request.POST.get("submission_token", ""),
                )
                # A staff member may record reports without reading the school's (a teacher):
                # the link to the report is offered only to those who may open it.
                return render(
                    request,
                    "intake/report_entered.html",
                    {
                        "report": report,
                        "receipt": str(receipt),
                        "can_view": access.can(request.user, Perm.REPORT_VIEW, school),
                    },
                )
            except HavenError as exc:
                form.add_error(None, str(exc.message))
    else:
        form = StaffReportForm(school=school)
    return render(
        request,
        "intake/report_enter.html",
        {"form": form, "school": school, "token": request.POST.get("submission_token") or _token()},
    )


def _token() -> str:
    return secrets.token_urlsafe(24)


@login_required
def attachment_download(request: AuthedRequest, pk: int, attachment_id: int) -> FileResponse:
    report = _report_or_404(request, pk)
    attachment = report.attachments.filter(pk=attachment_id).first()
    if attachment is None:
        raise Http404()
    services.report_record_view(actor=request.user, report=report, attachment=attachment.pk)
    return private_file(attachment.file, attachment.content_type)
