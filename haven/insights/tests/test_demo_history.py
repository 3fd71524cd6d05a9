"""The demo's history: a few hundred reports and cases over two school years, drawn the same
way every time, loaded once, fast, and counted by the refresh so the charts have figures."""

from django.db.models import F

from haven.cases.models import Case, CaseEvent, CaseTimer
from haven.insights import demo
from haven.insights.models import Cell
from haven.intake.models import Report
from haven.orgs.demo import demo_load
from haven.orgs.models import OrgUnit


def _history() -> list[tuple[str, str, str, bool]]:
    return sorted(
        (r.school.code, r.created_at.isoformat(), r.channel, r.cases.exists())
        for r in Report.objects.select_related("school").prefetch_related("cases")
    )


def test_demo_history_is_seeded_and_loaded_once(db):
    demo_load()
    school = OrgUnit.objects.get(code="RO-CJ-CLJ-1")
    added = demo.history_demo_load(school)  # its time is measured by `make bench`, not here
    assert 300 <= added == Report.objects.count() <= 800
    cases = Case.objects.count()
    assert 100 <= cases < added
    # Every school of the demo has history, and cases carry the events and deadlines the
    # services write (so a case page and the figures read them like any other).
    assert set(Report.objects.values_list("school__code", flat=True)) == set(
        OrgUnit.objects.filter(kind=OrgUnit.Kind.SCHOOL).values_list("code", flat=True)
    )
    assert CaseEvent.objects.filter(kind="opened").count() == cases
    timers = CaseTimer.objects.all()
    assert timers.filter(stopped_at__lte=F("due_at")).exists()  # deadlines met
    assert timers.filter(stopped_at__gt=F("due_at")).exists()  # ... and missed
    # Two school years: reports in at least 12 different months.
    months = {r.strftime("%Y-%m") for r in Report.objects.values_list("created_at", flat=True)}
    assert len(months) >= 12
    # The refresh ran: the county's monthly counts are there.
    county = OrgUnit.objects.get(code="CJ")
    assert Cell.objects.filter(unit=county, kind="month", indicator="reports.total").count() >= 12

    first = _history()
    assert demo.history_demo_load(school) == 0  # a second run adds nothing
    assert _history() == first
    # Drawn again from scratch: the same history.
    Case.objects.all().delete()
    Report.objects.all().delete()
    demo.history_demo_load(school)
    assert _history() == first
