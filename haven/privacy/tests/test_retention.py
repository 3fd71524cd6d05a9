"""Retention through a whole life: what is due is erased on time (text blanked, files
destroyed, rows kept), a legal hold keeps a case, and the statistics do not change."""

import datetime as dt
import os

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse
from django.utils import translation

from haven.audit.models import AuditEvent
from haven.cases import services as case_services
from haven.cases.models import Case, CaseNote
from haven.insights.models import Cell
from haven.insights.refresh import refresh
from haven.intake import services as intake_services
from haven.intake.files import clean_upload
from haven.intake.models import Report, ReportAttachment, ReportMessage
from haven.intake.tests.helpers import jpeg_with_gps, submit
from haven.privacy import selectors
from haven.privacy.models import Erasure, Kind, LegalHold
from haven.privacy.policy import PolicyError, load_file, policy_for
from haven.privacy.services import hold_lift, hold_place, retention_run

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 10, 14, 10, 0, tzinfo=dt.UTC)
MARKER = "Marker-Retention-7Q"


def days(n: int) -> dt.datetime:
    return T0 + dt.timedelta(days=n)


def table() -> set[tuple]:
    return set(
        Cell.objects.values_list("unit_id", "kind", "start", "indicator", "breakdown", "value")
    )


def close(tree, case):
    coordinator = tree.users["coordinator"]
    case_services.case_update(
        actor=coordinator,
        case=case,
        changes={"case_type": "child_child", "severity": "low", "determination": "bullying"},
    )
    for step in ("assess", "plan", "implement", "review"):
        case_services.case_transition(actor=coordinator, case=case, code=step)
    return case_services.case_transition(actor=coordinator, case=case, code="close")


def opened_and_closed(tree, title):
    report, _receipt = submit(tree.school_a, description=f"{MARKER} {title} happened here.")
    case = case_services.case_open(
        actor=tree.users["coordinator"],
        school=tree.school_a,
        title=title,
        narrative=f"{MARKER} narrative",
        reports=[report],
    )
    case_services.case_note_add(
        actor=tree.users["coordinator"], case=case, body=f"{MARKER} note", restricted=False
    )
    close(tree, case)
    return report, case


def erase_and_compare_counts(now):
    """Run retention at ``now`` and prove the full insights rebuild gives the same tables."""
    with time_machine.travel(now, tick=False):
        refresh(full=True)
        before = table()
        result = retention_run()
        refresh(full=True)
        assert table() == before
        refresh()
        assert table() == before
    return result


def page(client, user, school):
    client.force_login(user)
    with translation.override("en"):
        path = reverse("privacy:retention")
    return client.get(path, {"school": school.pk})


def test_a_whole_life_dismissed_report_goes_on_time_and_a_held_case_stays(client, tree):
    policy = policy_for(tree.school_a.jurisdiction.code)
    dismissed_days = policy.days("dismissed_reports")
    case_days = policy.days("closed_cases")
    coordinator = tree.users["coordinator"]
    with time_machine.travel(T0, tick=False):
        dismissed, _receipt = submit(tree.school_a, description=f"{MARKER} a dismissed one")
        intake_services.report_reporter_write(
            report=dismissed,
            body=f"{MARKER} more",
            files=[clean_upload(SimpleUploadedFile("p.jpg", jpeg_with_gps()))],
        )
        intake_services.report_dismiss(actor=coordinator, report=dismissed, reason="not ours")
        kept_report, kept_case = opened_and_closed(tree, "Held")
        gone_report, gone_case = opened_and_closed(tree, "Gone")
    attachment = ReportAttachment.objects.get(report=dismissed)
    stored = attachment.file.path
    assert os.path.exists(stored)

    # A month before, the coordinator sees the dismissed report on the page; not yet the cases.
    with time_machine.travel(days(dismissed_days - 20), tick=False):
        body = page(client, coordinator, tree.school_a).content.decode()
        assert f"#{dismissed.pk}</a>" in body
        assert f"closed case #{kept_case.pk}" not in body

    # The day before it is due nothing goes; the day after it is erased, the row stays.
    assert erase_and_compare_counts(days(dismissed_days - 1)).erased == {}
    result = erase_and_compare_counts(days(dismissed_days + 1))
    assert result.erased.get(Kind.DISMISSED) == 1
    row = Report.objects.get(pk=dismissed.pk)
    assert row.description == "" and row.dismiss_reason == "" and row.receipt_hash == ""
    assert row.harms and row.created_at == dismissed.created_at  # the tombstone
    assert ReportMessage.objects.get(report=dismissed).body == ""
    assert not ReportAttachment.objects.filter(report=dismissed).exists()
    assert not os.path.exists(stored)
    assert Report.objects.get(pk=kept_report.pk).description.startswith(MARKER)

    # Thirty days before the cases go, the coordinator holds one of them, with a reason.
    with time_machine.travel(days(case_days - 20), tick=False):
        body = page(client, coordinator, tree.school_a).content.decode()
        assert f"closed case #{kept_case.pk}" in body and f"closed case #{gone_case.pk}" in body
        with translation.override("en"):
            held = client.post(
                reverse("privacy:hold_place"),
                {"school": tree.school_a.pk, "on": "case", "id": kept_case.pk, "reason": "Court"},
            )
        assert held.status_code == 302
    hold = LegalHold.objects.get(case=kept_case)
    assert AuditEvent.objects.filter(action="retention.hold_place", object_id=hold.pk).exists()

    erase_and_compare_counts(days(case_days + 1))
    assert Case.objects.get(pk=gone_case.pk).narrative == ""
    assert Case.objects.get(pk=gone_case.pk).title == ""
    assert not CaseNote.objects.filter(case=gone_case, body__contains=MARKER).exists()
    assert Report.objects.get(pk=gone_report.pk).description == ""
    kept = Case.objects.get(pk=kept_case.pk)
    assert kept.narrative.startswith(MARKER) and kept.title == "Held"
    assert Report.objects.get(pk=kept_report.pk).description.startswith(MARKER)

    # Lifting the hold (audited) lets the next run erase it.
    with time_machine.travel(days(case_days + 2), tick=False):
        hold_lift(actor=coordinator, hold_id=hold.pk)
    assert AuditEvent.objects.filter(action="retention.hold_lift", object_id=hold.pk).exists()
    erase_and_compare_counts(days(case_days + 3))
    assert Case.objects.get(pk=kept_case.pk).narrative == ""
    # Every erasure is registered once and audited.
    assert Erasure.objects.filter(kind=Kind.CASE).count() == 2
    assert AuditEvent.objects.filter(action="retention.erase").count() >= 3


def test_running_twice_erases_once(tree):
    with time_machine.travel(T0, tick=False):
        report, _ = submit(tree.school_a)
        intake_services.report_dismiss(actor=tree.users["coordinator"], report=report, reason="x")
    later = days(policy_for("RO").days("dismissed_reports") + 1)
    with time_machine.travel(later, tick=False):
        assert retention_run().erased == {Kind.DISMISSED: 1}
        assert retention_run().erased == {}
    assert Erasure.objects.count() == 1


def test_a_held_report_is_not_listed_as_due(tree):
    with time_machine.travel(T0, tick=False):
        report, _ = submit(tree.school_a)
        intake_services.report_dismiss(actor=tree.users["coordinator"], report=report, reason="x")
        hold_place(
            actor=tree.users["principal"], kind="report", object_id=report.pk, reason="Police"
        )
    later = days(policy_for("RO").days("dismissed_reports") + 1)
    assert list(selectors.due(now=later)) == []


def test_a_hold_needs_a_reason_and_a_school_one_answers_for(tree):
    from haven.lib.errors import InvalidInput, NotFound

    report, _ = submit(tree.school_a)
    with pytest.raises(InvalidInput):
        hold_place(actor=tree.users["coordinator"], kind="report", object_id=report.pk, reason=" ")
    for name in ("other_coordinator", "staff", "inspector"):
        with pytest.raises(NotFound):
            hold_place(actor=tree.users[name], kind="report", object_id=report.pk, reason="x")


def test_old_audit_events_are_pruned_through_the_maintenance_switch(tree):
    with time_machine.travel(T0, tick=False):
        submit(tree.school_a)
    old = AuditEvent.objects.filter(created_at__lte=T0).count()
    assert old
    later = days(policy_for("RO").days("audit_events") + 1)
    with time_machine.travel(later, tick=False):
        assert retention_run().audit_events == old
    assert not AuditEvent.objects.filter(created_at__lte=T0).exists()
    # ... and the log is still append-only outside that switch.
    from haven.audit.models import AppendOnlyError

    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()


def test_sqlite_deletes_securely():
    # PostgreSQL has no such switch (its VACUUM reuses the space); SQLite zeroes freed pages.
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA secure_delete")
            assert cursor.fetchone()[0] == 1


def test_every_policy_file_loads_and_marks_its_defaults():
    from haven.privacy.policy import all_policies

    policies = all_policies()
    assert "GEN" in policies
    for policy in policies.values():
        for rule in policy.rules.values():
            assert rule.default or rule.source


def test_a_period_without_source_or_default_is_refused_with_its_line(tmp_path):
    path = tmp_path / "XX.yaml"
    good = (policy_for("GEN").rules, "")
    lines = ["version: 1", "warn_days: 30", "rules:"]
    for name, rule in good[0].items():
        lines += [f"  {name}:", f"    days: {rule.days}"]
        if name != "audit_events":
            lines.append("    default: true")
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(PolicyError) as refused:
        load_file(path, "XX")
    assert "audit_events" in str(refused.value)
    assert f"line {len(lines)}" in str(refused.value)


@pytest.mark.parametrize(
    ("name", "status"),
    [
        (None, 302),
        ("staff", 403),
        ("inspector", 403),
        ("other_coordinator", 404),
        ("principal", 200),
    ],
)
def test_retention_page_access(client, tree, name, status):
    if name:
        client.force_login(tree.users[name])
    with translation.override("en"):
        path = reverse("privacy:retention")
    assert client.get(path, {"school": tree.school_a.pk}).status_code == status
