"""What care contributes to prevention's compliance overview: screening rounds done and
pupils of concern reviewed in time, counts per school (no pupil is named)."""

from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from haven.care.models import ConcernEntry, ScreeningRound
from haven.orgs.models import OrgUnit
from haven.prevention.compliance import Figures, Indicator
from haven.prevention.selectors import calendar_of, today_at


def screening_rounds(schools: list[OrgUnit], year: int) -> Figures:
    """Conflict screening rounds of the school year where every class answered, over all."""
    found: dict[int, list[int]] = {s.pk: [0, 0] for s in schools}
    bounds = {s.pk: calendar_of(s).year_bounds(year) for s in schools}
    if not schools:
        return {}
    rounds = (
        ScreeningRound.objects.filter(
            school__in=list(found),
            starts_on__gte=min(b[0] for b in bounds.values()),
            starts_on__lte=max(b[1] for b in bounds.values()),
        )
        .annotate(
            total=Count("answers"),
            answered=Count("answers", filter=Q(answers__answered_at__isnull=False)),
        )
        .values_list("school_id", "starts_on", "total", "answered")
    )
    for school_id, starts_on, total, answered in rounds:
        start, end = bounds[school_id]
        if start <= starts_on <= end:
            found[school_id][1] += 1
            found[school_id][0] += int(bool(total) and answered == total)
    return {pk: (done, total) for pk, (done, total) in found.items()}


def concern_reviews(schools: list[OrgUnit], year: int) -> Figures:
    """Open pupils of concern whose review is not overdue today, over all open ones (a count:
    no pupil is named here)."""
    rows = ConcernEntry.objects.filter(
        school__in=[s.pk for s in schools], status=ConcernEntry.Status.OPEN
    ).values("school_id", "review_on")
    today = {s.pk: today_at(s) for s in schools}
    found: dict[int, list[int]] = {s.pk: [0, 0] for s in schools}
    for row in rows:
        counts = found[row["school_id"]]
        counts[1] += 1
        review = row["review_on"]
        counts[0] += int(review is None or review >= today[row["school_id"]])
    return {pk: (in_time, total) for pk, (in_time, total) in found.items()}


INDICATORS = [
    Indicator(
        "screening",
        _("Screening rounds done"),
        screening_rounds,
        "care:round_list",
        perm="care.figures",
        school_in_query=True,
    ),
    Indicator(
        "concern_reviews",
        _("Pupils of concern reviewed in time"),
        concern_reviews,
        "care:concern_list",
        perm="care.figures",
        school_in_query=True,
        personal=True,  # pupils: small counts hidden above the school
    ),
]
