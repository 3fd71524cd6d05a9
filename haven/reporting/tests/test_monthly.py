"""The Romanian monthly report: due on the 10th, one reminder before, one escalation after,
and the county sees which schools are missing."""

import datetime as dt
import zoneinfo

import pytest
import time_machine
from django.urls import reverse

from haven.notify.models import Message
from haven.reporting import services
from haven.reporting.clock import reporting_tick
from haven.reporting.models import PeriodicReport

BUCHAREST = zoneinfo.ZoneInfo("Europe/Bucharest")
OCTOBER = dt.date(2026, 10, 1)


def at(*args):
    return time_machine.travel(dt.datetime(*args, tzinfo=BUCHAREST), tick=False)


def monthly(unit):
    return PeriodicReport.objects.get(unit=unit, template="ro_monthly", period_start=OCTOBER)


def sent(report, what):
    return list(
        Message.objects.filter(dedupe_key=f"reporting:{what}:{report.pk}").values_list(
            "recipient__email", flat=True
        )
    )


@pytest.mark.django_db
def test_romanian_monthly_report_reminded_once_escalated_once(tree, client):
    u = tree.users
    with at(2026, 11, 1, 0, 5):
        reporting_tick()
    a, b, county = monthly(tree.school_a), monthly(tree.school_b), monthly(tree.county)
    assert a.due == b.due == dt.date(2026, 11, 10)
    assert not PeriodicReport.objects.filter(unit=tree.zone_a, template="ro_monthly").exists()
    with at(2026, 11, 6, 12, 0):
        reporting_tick()
        assert sent(a, "remind") == []
    with at(2026, 11, 7, 8, 0):
        reporting_tick()
        reporting_tick()
    assert sent(a, "remind") == ["principal@a.example"]
    assert sent(b, "remind") == ["coordinator@b.example"]  # no principal there: the coordinator
    assert sent(county, "remind") == ["inspector@county.example"]
    with at(2026, 11, 8, 9, 0):
        services.report_fill(actor=u["principal"], report=a, narrative={"measures": "Discuții."})
        services.report_sign(actor=u["principal"], report=a)
        services.report_submit(actor=u["principal"], report=a)
    with at(2026, 11, 10, 23, 0):  # the due date itself is still on time
        reporting_tick()
        assert sent(b, "escalate") == []
    with at(2026, 11, 11, 9, 0):
        reporting_tick()
        reporting_tick()
        assert sent(b, "escalate") == ["inspector@county.example"]
        assert sent(a, "escalate") == []
        assert Message.objects.filter(dedupe_key=f"reporting:escalate:{b.pk}").count() == 1
        # The county: school A on time, school B missing; its own report lists B as missing.
        client.force_login(u["inspector"])
        page = client.get(
            reverse("reporting:timeliness", args=[tree.county.pk]),
            {"template": "ro_monthly", "period": "2026-10-01"},
        ).content.decode()
        assert 'data-unit="SCH-A" data-timeliness="on_time"' in page
        assert 'data-unit="SCH-B" data-timeliness="missing"' in page
        assert "1 / 2" in page  # received ÷ expected, and on time ÷ expected
        services.report_accept(actor=u["inspector"], report=a)
        county = services.report_regenerate(actor=u["inspector"], report=county)
        rows = {row["name"]: row for row in county.below}
        assert rows[tree.school_a.name]["state"] == "accepted"
        assert rows[tree.school_b.name]["received"] is False
        page = client.get(reverse("reporting:detail", args=[county.pk])).content.decode()
        assert "Missing:" in page
        assert tree.school_b.name in page.split("Missing:")[1]


@pytest.mark.django_db
def test_a_report_made_after_its_due_date_is_not_escalated(tree):
    # Installed on 20 November: October's reports are made now, already past their due date.
    with at(2026, 11, 20, 9, 0):
        reporting_tick()
        reporting_tick()
    assert monthly(tree.school_b).escalated_at is None
    assert not Message.objects.filter(kind="reporting.escalation").exists()


@pytest.mark.django_db
def test_the_minute_clock_makes_the_drafts(tree):
    from django.core.management import call_command

    with at(2026, 11, 1, 0, 5):
        call_command("clock_tick")
    assert monthly(tree.school_a).state == "draft"
    assert monthly(tree.school_a).events.get().kind == "generated"
