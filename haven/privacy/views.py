"""Pages: what retention will erase soon (and legal holds), and the audit log of a subtree.

Views parse input, call a service or selector and render; a school the user does not answer
for answers 404, as if it did not exist.
"""

import datetime
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from haven.audit.models import AuditEvent
from haven.lib.errors import HavenError
from haven.lib.forms import parse_id
from haven.orgs import access
from haven.orgs.models import OrgUnit
from haven.orgs.types import AuthedRequest
from haven.privacy import selectors, services
from haven.privacy.access import Perm
from haven.privacy.models import Kind
from haven.privacy.policy import policy_for

# What a hold is placed on for each kind of item on the page.
HOLD_ON: dict[str, str] = {
    Kind.CASE: "case",
    Kind.CONCERN: "concern",
    Kind.DISMISSED: "report",
    Kind.REPORT: "report",
    Kind.RECEIPT: "report",
    Kind.MESSAGES: "report",
}


def _school(request: AuthedRequest) -> OrgUnit | None:
    schools = selectors.retention_schools(user=request.user)
    first_two = list(schools[:2])
    if not first_two:
        raise PermissionDenied()
    wanted = request.GET.get("school") or request.POST.get("school") or ""
    if wanted:
        school = schools.filter(pk=parse_id(wanted) or 0).first()
        if school is None:
            raise Http404()
        return school
    return first_two[0] if len(first_two) == 1 else None


@never_cache
@login_required
def retention(request: AuthedRequest) -> HttpResponse:
    school = _school(request)
    if school is None:
        schools = selectors.retention_schools(user=request.user)[:500]
        return render(
            request,
            "privacy/choose_school.html",
            {"schools": schools, "title": _("Retention")},
        )
    policy = policy_for(school.jurisdiction.code)
    items = selectors.coming(user=request.user, school=school)
    for item in items:
        item.hold_on = HOLD_ON[item.kind]  # type: ignore[attr-defined]
        item.label = Kind(item.kind).label  # type: ignore[attr-defined]
    return render(
        request,
        "privacy/retention.html",
        {
            "school": school,
            "policy": policy,
            "rules": [
                (Kind(kind).label, policy.rules[rule]) for kind, rule in selectors.RULE.items()
            ],
            "audit_rule": policy.rules["audit_events"],
            "items": items,
            "holds": selectors.holds(user=request.user, school=school),
        },
    )


def _back(school_id: int) -> HttpResponse:
    return redirect(f"{reverse('privacy:retention')}?school={school_id}")


@require_POST
@login_required
def hold_place(request: AuthedRequest) -> HttpResponse:
    school = _school(request)
    if school is None:
        raise Http404()
    try:
        services.hold_place(
            actor=request.user,
            kind=request.POST.get("on", ""),
            object_id=parse_id(request.POST.get("id")) or 0,
            reason=request.POST.get("reason", ""),
        )
    except HavenError as exc:
        if exc.status == 404:
            raise Http404() from exc
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("The legal hold is placed."))
    return _back(school.pk)


@require_POST
@login_required
def hold_lift(request: AuthedRequest, pk: int) -> HttpResponse:
    try:
        hold = services.hold_lift(actor=request.user, hold_id=pk)
    except HavenError as exc:
        raise Http404() from exc
    messages.success(request, _("The legal hold is lifted."))
    return _back(hold.school_id)


def _date(value: str) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(value) if value else None
    except ValueError:
        return None


@never_cache
@login_required
def audit_log(request: AuthedRequest) -> HttpResponse:
    """Who read or changed what, when, in the units below the user (``AUDIT_VIEW``),
    filtered by user, action and dates."""
    if not access.has_anywhere(request.user, Perm.AUDIT_VIEW):
        raise PermissionDenied()
    events = AuditEvent.objects.filter(
        org_unit__in=access.units(request.user, Perm.AUDIT_VIEW)
    ).select_related("org_unit")
    wanted = {
        "user": request.GET.get("user", "").strip()[:254],
        "action": request.GET.get("action", "").strip()[:64],
        "since": request.GET.get("since", ""),
        "until": request.GET.get("until", ""),
    }
    errors = []
    if wanted["user"]:
        events = events.filter(actor_label__icontains=wanted["user"])
    if wanted["action"]:
        events = events.filter(action__startswith=wanted["action"])
    since, until = _date(wanted["since"]), _date(wanted["until"])
    if (wanted["since"] and since is None) or (wanted["until"] and until is None):
        errors.append(_("Enter a valid date."))
    if since:
        events = events.filter(created_at__date__gte=since)
    if until:
        events = events.filter(created_at__date__lte=until)
    page = Paginator(events, 100).get_page(request.GET.get("page"))
    query = urlencode({k: v for k, v in wanted.items() if v})
    return render(
        request,
        "privacy/audit_log.html",
        {"page": page, "wanted": wanted, "errors": errors, "query": query},
    )
