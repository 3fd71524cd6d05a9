from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.i18n import set_language

from haven.lib.errors import FieldErrors, NotFound
from haven.orgs import access, selectors, services, todo
from haven.orgs.access import Perm
from haven.orgs.models import OrgUnit
from haven.orgs.pupils import pupil_record_view, pupil_timeline, pupils_visible
from haven.orgs.types import AuthedRequest, Viewer
from haven.security.forms import ApiTokenForm
from haven.security.services import api_token_create, api_token_list, api_token_revoke


def home(request: HttpRequest) -> HttpResponse:
    memberships = list(selectors.membership_own(user=request.user))
    jurisdictions = {m.unit.jurisdiction for m in memberships}
    return render(
        request,
        "orgs/home.html",
        {
            "memberships": memberships,
            "jurisdictions": sorted(jurisdictions, key=lambda j: j.code),
            "todo": todo.todo_for(request.user),
        },
    )


@login_required
def account(request: AuthedRequest) -> HttpResponse:
    return _account(request, ApiTokenForm())


def _account(
    request: AuthedRequest, token_form: ApiTokenForm, *, new_secret: str = "", status: int = 200
) -> HttpResponse:
    context = {
        "token_form": token_form,
        "tokens": api_token_list(user=request.user),
        "new_secret": new_secret,
        "now": timezone.now(),
    }
    return render(request, "orgs/account.html", context, status=status)


@login_required
@require_POST
def account_token_create(request: AuthedRequest) -> HttpResponse:
    """A new API token, shown once on the page that answers (never stored, never again)."""
    form = ApiTokenForm(request.POST)
    if not form.is_valid():
        return _account(request, form, status=422)
    try:
        _token, secret = api_token_create(actor=request.user, **form.cleaned_data)
    except FieldErrors as exc:
        for field, messages in exc.errors.items():
            for message in messages:
                form.add_error(field if field in form.fields else None, message)
        return _account(request, form, status=422)
    response = _account(request, ApiTokenForm(), new_secret=secret)
    response["Cache-Control"] = "no-store"  # the secret must not stay in a cache
    return response


@login_required
@require_POST
def account_token_revoke(request: AuthedRequest, pk: int) -> HttpResponse:
    try:
        api_token_revoke(actor=request.user, token_id=pk)
    except NotFound as exc:
        raise Http404(str(exc.message)) from exc
    messages.success(request, _("The token is revoked: it no longer opens the API."))
    return redirect("account")


@login_required
def orgunit_list(request: AuthedRequest) -> HttpResponse:
    roots = selectors.orgunit_roots_visible(user=request.user)
    return render(
        request,
        "orgs/orgunit_list.html",
        {"units": roots, "sees_responders": _sees_responders(request.user)},
    )


def _sees_responders(user: Viewer) -> bool:
    return access.has_anywhere(user, Perm.UNIT_MANAGE) or access.has_anywhere(
        user, Perm.REPORT_RAISED
    )


@login_required
def schools_without_responders(request: AuthedRequest) -> HttpResponse:
    """Schools whose reports reach nobody there: for their administrators and inspectors."""
    if not _sees_responders(request.user):
        raise Http404()
    schools = selectors.schools_without_responders(user=request.user)
    return render(request, "orgs/schools_without_responders.html", {"schools": schools})


@login_required
def orgunit_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    try:
        unit = selectors.orgunit_get(user=request.user, pk=pk)
    except NotFound as exc:
        raise Http404(str(exc.message)) from exc
    context = {
        "unit": unit,
        "breadcrumbs": selectors.orgunit_breadcrumbs(user=request.user, unit=unit),
        "children": selectors.orgunit_children(user=request.user, unit=unit),
        "members": selectors.membership_list(user=request.user, unit=unit),
        "can_manage": access.can(request.user, Perm.UNIT_MANAGE, unit),
        "pupils": pupils_visible(request.user).filter(class_unit=unit, active=True)
        if unit.kind == OrgUnit.Kind.CLASS
        else [],
        "without_responders": unit.kind == OrgUnit.Kind.SCHOOL
        and not selectors.school_has_responders(unit),
        "can_poster": unit.kind in (OrgUnit.Kind.SCHOOL, OrgUnit.Kind.CLASS)
        and access.can(request.user, Perm.POSTER_MAKE, unit),
    }
    template = "orgs/_children.html" if request.htmx else "orgs/orgunit_detail.html"  # type: ignore[attr-defined]
    return render(request, template, context)


@require_POST
def language_set(request: HttpRequest) -> HttpResponse:
    """Django's set_language, which also remembers the choice for a signed-in user."""
    response = set_language(request)
    language = request.POST.get("language", "")
    known = language in dict(settings.LANGUAGES)
    if request.user.is_authenticated and known and response.status_code == 302:
        services.user_set_language(user=request.user, language=language)
    return response


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A translated page instead of Django's technical one; the reason is not shown."""
    return render(request, "403_csrf.html", status=403)


@login_required
def pupil_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    """A pupil's chronology: only what the viewer may see of each case."""
    pupil = (
        pupils_visible(request.user).select_related("class_unit", "school").filter(pk=pk).first()
    )
    if pupil is None:
        raise Http404()
    pupil_record_view(actor=request.user, pupil=pupil)
    return render(
        request,
        "orgs/pupil_detail.html",
        {"pupil": pupil, "entries": pupil_timeline(user=request.user, pupil=pupil)},
    )
