"""The demo: the Vietnamese kindergarten's semester report ready to fill, and the Cluj county
inspector's page with schools on time, one late, one missing and one returned."""

from django.urls import reverse

from haven.orgs.demo import demo_load
from haven.orgs.models import OrgUnit, User
from haven.reporting import demo
from haven.reporting.models import PeriodicReport


def test_demo_reports(db, client):
    demo_load()
    school = OrgUnit.objects.get(code="RO-CJ-CLJ-1")
    demo.reporting_demo_load(school)
    assert demo.reporting_demo_load(school) == demo.reporting_demo_load(school)  # idempotent
    kindergarten = PeriodicReport.objects.get(
        unit__code=demo.VN_KINDERGARTEN, template="vn_semester"
    )
    assert kindergarten.state == "draft"
    client.force_login(User.objects.get(email="coordinator.vn@haven.example"))
    page = client.get(reverse("reporting:detail", args=[kindergarten.pk])).content.decode()
    assert 'name="evaluation"' in page  # ready to fill

    county = OrgUnit.objects.get(code=demo.CLUJ, kind="county")
    month = PeriodicReport.objects.get(unit=county, template="ro_monthly").period_start
    client.force_login(User.objects.get(email="inspector@haven.example"))
    page = client.get(
        reverse("reporting:timeliness", args=[county.pk]),
        {"template": "ro_monthly", "period": month.isoformat()},
    ).content.decode()
    assert page.count('data-timeliness="late"') == 1
    assert page.count('data-timeliness="missing"') == 1
    assert f'data-unit="{demo.LATE}" data-timeliness="late"' in page
    assert f'data-unit="{demo.MISSING}" data-timeliness="missing"' in page
    assert page.count('data-timeliness="on_time"') == 11
    returned = PeriodicReport.objects.get(unit__code=demo.RETURNED, template="ro_monthly")
    assert returned.state == "returned" and returned.return_reason
