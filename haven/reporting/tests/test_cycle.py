"""The Vietnamese semester report's whole cycle, on the clock (time-machine)."""

import datetime as dt
import zoneinfo

import pytest
import time_machine
from django.urls import reverse

from haven.audit.models import AuditEvent
from haven.lib.errors import AccessDenied, InvalidInput
from haven.reporting import services
from haven.reporting.clock import reporting_tick
from haven.reporting.models import PeriodicReport, ReportEvent

HCM = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")
NARRATIVE = {
    "evaluation": "Kế hoạch được thực hiện.",
    "measures": "Họp phụ huynh.",
    "proposals": "Không.",
}


def at(*args):
    return time_machine.travel(dt.datetime(*args, tzinfo=HCM), tick=False)


S1 = dt.date(2025, 9, 1)


def report_of(school):
    return PeriodicReport.objects.get(unit=school, template="vn_semester", period_start=S1)


@pytest.mark.django_db
def test_vietnamese_semester_report_cycle(vn, client):
    u = vn.users
    with at(2026, 1, 18, 23, 0):  # the last day of semester 1: only the semester before
        reporting_tick()
        assert not PeriodicReport.objects.filter(template="vn_semester", period_start=S1).exists()
    with at(2026, 1, 19, 0, 30):  # the semester has ended: drafts, figures frozen now
        assert "4 drafts made" in reporting_tick()
        report = report_of(vn.kindergarten)
        assert (report.period_start, report.period_end) == (
            dt.date(2025, 9, 1),
            dt.date(2026, 1, 18),
        )
        assert report.due == dt.date(2026, 2, 2)
        assert report.state == "draft"
        assert PeriodicReport.objects.filter(
            unit=vn.city, template="vn_semester", period_start=S1
        ).exists()
    with at(2026, 1, 20, 9, 0):
        services.report_fill(
            actor=u["coordinator"], report=report, narrative={"evaluation": "Tốt."}
        )
        with pytest.raises(InvalidInput):  # every narrative section before signing
            services.report_sign(actor=u["principal"], report=report)
        services.report_fill(actor=u["coordinator"], report=report, narrative=NARRATIVE)
        with pytest.raises(AccessDenied):  # the template's signer is the principal
            services.report_sign(actor=u["coordinator"], report=report)
        with pytest.raises(AccessDenied):  # the district decides; it never fills
            services.report_fill(actor=u["district"], report=report, narrative=NARRATIVE)
        report = services.report_sign(actor=u["principal"], report=report)
        assert report.signed_by == u["principal"]
        assert report.signed_at is not None
        services.report_submit(actor=u["principal"], report=report)
    with at(2026, 1, 22, 9, 0):
        client.force_login(u["district"])
        response = client.post(
            reverse("reporting:act", args=[report.pk, "return"]),
            {"reason": "Thiếu số liệu tập huấn."},
        )
        assert response.status_code == 302, response
        assert response["Location"] == reverse("reporting:detail", args=[report.pk])
        report.refresh_from_db()
        assert report.state == "returned"
        assert report.signed_by is None
        client.force_login(u["principal"])
        page = client.get(reverse("reporting:detail", args=[report.pk])).content.decode()
        assert "Thiếu số liệu tập huấn." in page
        services.report_fill(
            actor=u["coordinator"], report=report, narrative={"measures": "Đã bổ sung."}
        )
        services.report_sign(actor=u["principal"], report=report)
        services.report_submit(actor=u["principal"], report=report)
        services.report_accept(actor=u["district"], report=report)
        report.refresh_from_db()
        assert report.state == "accepted"
        assert report.decided_by == u["district"]
    with at(2026, 2, 5, 9, 0):  # after the due date: the third school sends late
        late = report_of(vn.late_school)
        services.report_fill(actor=u["late_principal"], report=late, narrative=NARRATIVE)
        services.report_sign(actor=u["late_principal"], report=late)
        services.report_submit(actor=u["late_principal"], report=late)
        client.force_login(u["district"])
        page = client.get(
            reverse("reporting:timeliness", args=[vn.city.pk]),
            {"template": "vn_semester", "period": "2025-09-01"},
        ).content.decode()
    assert 'data-unit="VN-1" data-timeliness="on_time"' in page
    assert 'data-unit="VN-3" data-timeliness="late"' in page
    assert 'data-unit="VN-2" data-timeliness="missing"' in page
    kinds = list(report.events.values_list("kind", flat=True))
    assert kinds == [
        "generated",
        "filled",
        "filled",
        "signed",
        "submitted",
        "returned",
        "filled",
        "signed",
        "submitted",
        "accepted",
    ]
    assert (
        ReportEvent.objects.filter(report=report, kind="returned").get().note
        == "Thiếu số liệu tập huấn."
    )
    actions = set(
        AuditEvent.objects.filter(
            object_id=str(report.pk), object_type="reporting.periodicreport"
        ).values_list("action", flat=True)
    )
    assert {
        "reporting.generated",
        "reporting.signed",
        "reporting.returned",
        "reporting.accepted",
    } <= actions


@pytest.mark.django_db
def test_a_draft_is_made_once_however_often_the_clock_runs(vn):
    with at(2026, 1, 19, 0, 30):
        reporting_tick()
        assert reporting_tick() is None  # nothing left to do
    made = PeriodicReport.objects.filter(
        unit=vn.kindergarten, template="vn_semester", period_start=S1
    )
    assert made.count() == 1
    assert ReportEvent.objects.filter(kind="generated", report__in=made).count() == 1


@pytest.mark.django_db
def test_only_a_draft_is_regenerated(vn):
    u = vn.users
    with at(2026, 1, 19, 0, 30):
        reporting_tick()
        report = report_of(vn.kindergarten)
        first = report.generated_at
    with at(2026, 1, 20, 9, 0):
        report = services.report_regenerate(actor=u["coordinator"], report=report)
        assert report.generated_at > first
        services.report_fill(actor=u["coordinator"], report=report, narrative=NARRATIVE)
        services.report_sign(actor=u["principal"], report=report)
        with pytest.raises(InvalidInput):
            services.report_regenerate(actor=u["coordinator"], report=report)
