"""Staff pages: campaigns (open, codes, progress, close) and results (school, level above).

A campaign the user may not see is "not found", so its existence is not told. Results read
the stored aggregates only, and every figure passes through ``results``/``suppression``.
"""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from haven.audit.services import audit_record
from haven.lib import tabular
from haven.lib.errors import HavenError, NotFound
from haven.lib.pdf import html_to_pdf
from haven.lib.stats import Aggregate
from haven.orgs.calendar import FIRST_YEAR, calendar_for
from haven.orgs.models import OrgUnit
from haven.orgs.types import AuthedRequest, User
from haven.surveys import exports, results, selectors, services, slips
from haven.surveys.access import Perm
from haven.surveys.aggregates import campaign_aggregate
from haven.surveys.forms import CampaignForm, CodesForm
from haven.surveys.labels import label
from haven.surveys.models import Campaign, ClassAggregate, UnitAggregate

min_group = selectors.min_group


def _campaign_or_404(request: HttpRequest, pk: int, perm: str) -> Campaign:
    try:
        return selectors.campaign_get(user=request.user, pk=pk, perm=perm)
    except NotFound as exc:
        raise Http404(str(exc.message)) from exc


def _download(content: bytes | str, filename: str, content_type: str) -> HttpResponse:
    disposition = content_disposition_header(True, filename) or "attachment"
    return HttpResponse(
        content, content_type=content_type, headers={"Content-Disposition": disposition}
    )


@login_required
def campaign_list(request: AuthedRequest) -> HttpResponse:
    campaigns = selectors.campaigns_visible(request.user).order_by("-opens_at")[:200]
    context = {
        "campaigns": campaigns,
        "schools": selectors.schools_managed(request.user),
        "units": selectors.rollup_units(request.user).order_by("path"),
        "hotspot_schools": selectors.hotspot_schools(request.user)[:50],
    }
    return render(request, "surveys/campaign_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def campaign_create(request: AuthedRequest, school_id: int) -> HttpResponse:
    try:
        school = selectors.school_managed_get(user=request.user, pk=school_id)
    except NotFound as exc:
        raise Http404(str(exc.message)) from exc
    form = CampaignForm(request.POST or None, school=school)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                campaign = services.campaign_create(
                    actor=request.user,
                    school=school,
                    title=data["title"],
                    classes=None if data["all_classes"] else list(data["classes"]),
                    opens_at=data["opens_at"],
                    closes_at=data["closes_at"],
                    school_questions=data["school_questions"],
                )
            except HavenError as exc:
                form.add_error(None, str(exc.message))
            else:
                messages.success(request, _("The campaign is ready. Make the code slips now."))
                return redirect("surveys:campaign_detail", campaign.pk)
        status = 422
    return render(
        request, "surveys/campaign_form.html", {"form": form, "school": school}, status=status
    )


@login_required
def campaign_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    """Progress: codes made, started and sent per class, with the response rate."""
    campaign = _campaign_or_404(request, pk, Perm.SURVEY_MANAGE)
    rows = services.progress(campaign)
    context = {
        "campaign": campaign,
        "rows": rows,
        "roster_incomplete": any(row["roster_incomplete"] for row in rows),
        "codes_form": CodesForm(),
        "running": campaign.is_running(),
    }
    if getattr(request, "htmx", False):
        return render(request, "surveys/_progress.html", context)
    return render(request, "surveys/campaign_detail.html", context)


@login_required
@require_POST
def campaign_codes(request: AuthedRequest, pk: int, class_id: int) -> HttpResponse:
    """New codes for one class, straight into a PDF of slips (the only time they exist)."""
    campaign = _campaign_or_404(request, pk, Perm.SURVEY_MANAGE)
    class_unit = OrgUnit.objects.filter(pk=class_id, kind=OrgUnit.Kind.CLASS).first()
    if class_unit is None or not campaign.classes.filter(class_unit=class_unit).exists():
        raise Http404()
    form = CodesForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give a number of codes between 1 and 200."))
        return redirect("surveys:campaign_detail", campaign.pk)
    try:
        made = services.codes_generate(
            actor=request.user,
            campaign=campaign,
            class_unit=class_unit,
            count=form.cleaned_data.get("count"),
        )
    except HavenError as exc:
        messages.error(request, str(exc.message))
        return redirect("surveys:campaign_detail", campaign.pk)
    warning = services.codes_roster_warning(campaign=campaign, class_unit=class_unit)
    if warning:
        # The slips download leaves the page as it is: the warning shows on the next page
        # (and the class stays marked "roster incomplete" in the progress table).
        messages.warning(request, warning)
    pdf = slips.slips_pdf(campaign=campaign, class_unit=class_unit, codes=made)
    return _download(pdf, f"codes-{campaign.school.code}-{class_unit.code}.pdf", "application/pdf")


@login_required
@require_POST
def campaign_close(request: AuthedRequest, pk: int) -> HttpResponse:
    campaign = _campaign_or_404(request, pk, Perm.SURVEY_MANAGE)
    services.campaign_close(actor=request.user, campaign=campaign)
    messages.success(request, _("The campaign is closed."))
    return redirect("surveys:campaign_detail", campaign.pk)


# ---------------------------------------------------------------------------------------------
# Results


def _school_context(campaign: Campaign, user: User) -> dict[str, Any]:
    """The school's protected results for one campaign, its classes, trend and benchmark."""
    shown, own = selectors.campaign_results(campaign=campaign)
    class_rows = list(
        ClassAggregate.objects.filter(campaign=campaign)
        .select_related("class_unit")
        .order_by("class_unit__code")
    )
    classes = results.children_table(
        own,
        {row.class_unit.name: Aggregate.from_json(row.data) for row in class_rows if row.data},
        min_group=min_group(),
    )
    trend = []
    for other in Campaign.objects.filter(
        school=campaign.school, instrument_code=campaign.instrument_code
    ).order_by("opens_at"):
        agg = campaign_aggregate(other)
        trend.append(
            (
                other,
                results.build_results(agg, min_group=min_group(), salt=_salt("campaign", other.pk)),
            )
        )
    keys = [row.key for row in shown.prevalence_rows()]
    incomplete = [
        row["class_unit"].name for row in services.progress(campaign) if row["roster_incomplete"]
    ]
    return {
        "campaign": campaign,
        "incomplete_classes": incomplete,
        "results": shown,
        "classes": classes,
        "trend": trend,
        "chart": results.svg_bars(
            shown.rows + shown.top_forms, {k: label(k) for k in keys}, _("Prevalence")
        ),
        "min_group": min_group(),
    }


@login_required
def campaign_results(request: AuthedRequest, pk: int) -> HttpResponse:
    campaign = _campaign_or_404(request, pk, Perm.SURVEY_RESULTS)
    context = _school_context(campaign, request.user)
    audit_record(
        actor=request.user, action="survey.results_view", obj=campaign, org_unit=campaign.school
    )
    return render(request, "surveys/campaign_results.html", context)


@login_required
def campaign_results_pdf(request: AuthedRequest, pk: int) -> HttpResponse:
    from django.template.loader import render_to_string

    campaign = _campaign_or_404(request, pk, Perm.SURVEY_RESULTS)
    context = _school_context(campaign, request.user)
    html = render_to_string("surveys/results_pdf.html", context, request=request)
    pdf = html_to_pdf(html)
    audit_record(
        actor=request.user, action="survey.results_pdf", obj=campaign, org_unit=campaign.school
    )
    return _download(pdf, f"survey-{campaign.school.code}-{campaign.pk}.pdf", "application/pdf")


@login_required
def campaign_export(request: AuthedRequest, pk: int, fmt: str) -> HttpResponse:
    campaign = _campaign_or_404(request, pk, Perm.SURVEY_RESULTS)
    shown = results.build_results(
        campaign_aggregate(campaign), min_group=min_group(), salt=_salt("campaign", campaign.pk)
    )
    labels = {row.key: label(row.key) for row in shown.prevalence_rows()}
    labels.update({row.key: label(row.key) for row in shown.scales})
    audit_record(
        actor=request.user,
        action="survey.results_export",
        obj=campaign,
        org_unit=campaign.school,
        details={"format": fmt},
    )
    sheet = tabular.Sheet(str(_("Results")), exports.results_table(shown, labels))
    return tabular.download(
        [sheet], "xlsx" if fmt == "xlsx" else "csv", f"survey-{campaign.school.code}-{campaign.pk}"
    )


_salt = selectors.suppression_salt


def _unit_context(request: HttpRequest, unit: OrgUnit) -> dict[str, Any]:
    periods = selectors.unit_periods(unit)
    period = request.GET.get("period") or (periods[0] if periods else "")
    if period not in periods:
        period = periods[0] if periods else ""
    instrument_code = "haven-open-1"
    own_row, child_rows = selectors.unit_rows(unit, period, instrument_code)
    own = Aggregate.from_json(own_row.data) if own_row else Aggregate()
    previous_period = next((p for p in periods if p < period), None)
    previous = None
    if previous_period:
        prev_row, _children = selectors.unit_rows(unit, previous_period, instrument_code)
        previous = Aggregate.from_json(prev_row.data) if prev_row else None
    parent = None
    if unit.parent_id:
        parent_row = UnitAggregate.objects.filter(
            unit_id=unit.parent_id, period=period, instrument_code=instrument_code
        ).first()
        parent = Aggregate.from_json(parent_row.data) if parent_row else None
    shown = results.build_results(
        own,
        previous=previous,
        parent=parent,
        allow_alpha=True,
        min_group=min_group(),
        salt=_salt("unit", unit.pk, period),
        previous_salt=_salt("unit", unit.pk, previous_period or ""),
        parent_salt=_salt("unit", unit.parent_id, period),
    )
    names = {row.unit_id: row.unit for row in child_rows}
    children = results.children_table(
        own,
        {row.unit_id: Aggregate.from_json(row.data) for row in child_rows},
        min_group=min_group(),
    )
    keys = [row.key for row in shown.prevalence_rows()]
    return {
        "unit": unit,
        "period": period,
        "periods": periods,
        "own_row": own_row,
        "results": shown,
        "children": [(names[row.key], row) for row in children],
        "chart": results.svg_bars(
            shown.rows + shown.top_forms, {k: label(k) for k in keys}, _("Prevalence")
        ),
        "min_group": min_group(),
    }


@login_required
def unit_results(request: AuthedRequest, pk: int) -> HttpResponse:
    """The level above: the unit's summed results and each unit or school below it."""
    try:
        unit = selectors.rollup_unit_get(user=request.user, pk=pk)
    except NotFound as exc:
        raise Http404(str(exc.message)) from exc
    context = _unit_context(request, unit)
    audit_record(
        actor=request.user,
        action="survey.rollup_view",
        obj=unit,
        org_unit=unit,
        details={"period": context["period"]},
    )
    return render(request, "surveys/unit_results.html", context)


@login_required
def unit_export(request: AuthedRequest, pk: int, fmt: str) -> HttpResponse:
    """The Dutch inspectorate's three domains as school means, one line per school below."""
    try:
        unit = selectors.rollup_unit_get(user=request.user, pk=pk)
    except NotFound as exc:
        raise Http404(str(exc.message)) from exc
    periods = selectors.unit_periods(unit)
    period = request.GET.get("period") or (periods[0] if periods else "")
    schools = (
        UnitAggregate.objects.filter(
            unit__in=OrgUnit.objects.subtree_of(unit).filter(kind=OrgUnit.Kind.SCHOOL),
            period=period,
            instrument_code="haven-open-1",
        )
        .select_related("unit")
        .order_by("unit__code")
    )
    rows = exports.nl_domains_rows(
        ((row.unit.code, row.unit.name, Aggregate.from_json(row.data)) for row in schools),
        min_group=min_group(),
    )
    audit_record(
        actor=request.user,
        action="survey.rollup_export",
        obj=unit,
        org_unit=unit,
        details={"period": period, "format": fmt},
    )
    sheet = tabular.Sheet(str(_("Results")), rows)
    return tabular.download(
        [sheet], "xlsx" if fmt == "xlsx" else "csv", f"survey-domains-{unit.code}-{period}"
    )


@login_required
def hotspots(request: AuthedRequest, school_id: int) -> HttpResponse:
    """Where and when pupils feel least safe, beside where and when incidents were reported."""
    try:
        school = selectors.hotspot_school_get(user=request.user, pk=school_id)
    except NotFound as exc:
        raise Http404(str(exc.message)) from exc
    calendar = calendar_for(school)
    today = timezone.localdate(timezone=calendar.zone)
    current = calendar.school_year(today)
    try:
        wanted = int(request.GET.get("year") or current.year)
        year = calendar.school_year_of(wanted) if wanted <= current.year else current
    except (ValueError, HavenError):
        year = current
    grid = selectors.hotspot_grid(user=request.user, school=school, year=year)
    audit_record(
        actor=request.user,
        action="survey.hotspots_view",
        obj=school,
        org_unit=school,
        details={"year": year.label},
    )
    return render(
        request,
        "surveys/hotspots.html",
        {
            "school": school,
            "grid": grid,
            "year": year,
            "earlier": year.year - 1 if year.year > FIRST_YEAR else None,
            "later": year.year + 1 if year.year < current.year else None,
        },
    )
