"""Report posters as PDF downloads: a school's, one class's, or all its classes' in one file.

Producing a poster is recorded (the prevention registers count classes reached), so it is a
POST: a link prefetcher must not count as a poster printed. A school the user may not make
posters for is "not found", so that its existence is not told.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_POST

from haven.intake import posters, selectors
from haven.lib.errors import AccessDenied, HavenError, NotFound
from haven.orgs.models import OrgUnit
from haven.orgs.types import AuthedRequest


def _pdf(pdf: bytes, filename: str) -> HttpResponse:
    disposition = content_disposition_header(True, filename) or "attachment"
    return HttpResponse(
        pdf, content_type="application/pdf", headers={"Content-Disposition": disposition}
    )


def _produce(
    request: AuthedRequest, school: OrgUnit, class_unit: posters.ClassChoice, filename: str
) -> HttpResponse:
    try:
        pdf = posters.poster_produce(
            actor=request.user,
            school=school,
            class_unit=class_unit,
            base_url=settings.HAVEN_BASE_URL,
        )
    except AccessDenied as exc:
        raise Http404(str(exc.message)) from exc
    except HavenError as exc:
        messages.error(request, str(exc.message))
        return redirect("orgunit_detail", school.pk)
    return _pdf(pdf, filename)


@login_required
@require_POST
def poster_school(request: AuthedRequest, school_id: int) -> HttpResponse:
    """The school's poster, or with ``classes=all`` every class's poster in one PDF."""
    try:
        school = selectors.poster_school_get(user=request.user, pk=school_id)
    except NotFound as exc:
        raise Http404(str(exc.message)) from exc
    if request.POST.get("classes") == "all":
        return _produce(request, school, "all", f"posters-{school.code}-classes.pdf")
    return _produce(request, school, None, f"poster-{school.code}.pdf")


@login_required
@require_POST
def poster_class(request: AuthedRequest, school_id: int, class_id: int) -> HttpResponse:
    try:
        school = selectors.poster_school_get(user=request.user, pk=school_id)
        class_unit = selectors.poster_class_get(user=request.user, school=school, pk=class_id)
    except NotFound as exc:
        raise Http404(str(exc.message)) from exc
    return _produce(request, school, class_unit, f"poster-{school.code}-{class_unit.code}.pdf")
