"""The triage inbox and a report's page: who sees what, and every action on the record."""

import datetime as dt

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation

from haven.audit.models import AuditEvent
from haven.intake import selectors, services
from haven.intake.models import EventKind, Report, ReportEvent, Status
from haven.intake.tests.helpers import VALID, clean, jpeg_with_gps, submit


def url(name, *args):
    with translation.override("en"):
        return reverse(name, args=args)


@pytest.fixture
def report(tree):
    return submit(tree.school_a)[0]


def act(client, report, **data):
    return client.post(url("intake:report_act", report.pk), data)


def test_inbox_needs_login(client, report):
    response = client.get(url("intake:inbox"))
    assert response.status_code == 302


@pytest.mark.parametrize("role", ["staff", "psychologist", "agency", "admin"])
def test_roles_without_report_access_do_not_see_reports(client, tree, report, role):
    client.force_login(tree.users[role])
    assert client.get(url("intake:inbox")).status_code == 404
    assert client.get(url("intake:report_detail", report.pk)).status_code == 404


def test_coordinator_sees_own_school_reports_only(client, tree, report):
    other = submit(tree.school_b, description="Something at school B.")[0]
    client.force_login(tree.users["coordinator"])
    page = client.get(url("intake:inbox")).content.decode()
    assert url("intake:report_detail", report.pk) in page
    assert url("intake:report_detail", other.pk) not in page
    assert client.get(url("intake:report_detail", other.pk)).status_code == 404


def test_other_school_coordinator_cannot_open_or_act(client, tree, report):
    client.force_login(tree.users["other_coordinator"])
    assert client.get(url("intake:report_detail", report.pk)).status_code == 404
    assert act(client, report, action="urgent").status_code == 404
    report.refresh_from_db()
    assert not report.urgent


def test_inspector_cannot_open_a_report_that_was_not_raised_to_them(client, tree, report):
    # Need-to-know above the school: a report of a school in the county is not the county's
    # to read until a case about it is escalated or appealed (haven/cases/tests).
    client.force_login(tree.users["inspector"])
    assert client.get(url("intake:report_detail", report.pk)).status_code == 404
    inbox = client.get(reverse("intake:inbox"))  # the reports raised to them: none yet
    assert inbox.status_code == 200
    assert reverse("intake:report_detail", args=[report.pk]) not in inbox.content.decode()
    act(client, report, action="urgent")
    report.refresh_from_db()
    assert not report.urgent


def test_report_page_in_romanian_writes_months_in_lowercase(client, tree):
    with time_machine.travel(dt.datetime(2026, 11, 23, 10, tzinfo=dt.UTC), tick=False):
        report = submit(tree.school_a)[0]
    client.force_login(tree.users["coordinator"])
    with translation.override("ro"):
        page = client.get(reverse("intake:report_detail", args=[report.pk])).content.decode()
    assert "23 noiembrie 2026" in page and "Noiembrie" not in page
    assert "Sesizare primită" in page  # the timeline's first entry, made from the row


def test_opening_a_report_is_audited(client, tree, report):
    client.force_login(tree.users["principal"])
    client.get(url("intake:report_detail", report.pk))
    event = AuditEvent.objects.get(action="report.view")
    assert event.actor == tree.users["principal"] and event.object_id == str(report.pk)


def test_new_first_then_urgent_and_filters(client, tree):
    old, _ = submit(tree.school_a, description="old one", harms=["verbal"])
    services.report_set_urgent(actor=tree.users["coordinator"], report=old, urgent=True)
    urgent_new, _ = submit(tree.school_a, description="urgent one", harms=["self_harm"])
    plain_new, _ = submit(tree.school_a, description="plain one", harms=["cyber"])
    client.force_login(tree.users["coordinator"])
    from haven.intake import selectors

    ordered = list(
        selectors.report_inbox(user=tree.users["coordinator"], filters=selectors.InboxFilter())
    )
    assert ordered == [urgent_new, plain_new, old]
    page = client.get(url("intake:inbox"), {"harm": "cyber"}).content.decode()
    assert url("intake:report_detail", plain_new.pk) in page
    assert url("intake:report_detail", urgent_new.pk) not in page
    page = client.get(url("intake:inbox"), {"urgent": "yes", "status": "new"}).content.decode()
    assert url("intake:report_detail", urgent_new.pk) in page
    assert url("intake:report_detail", old.pk) not in page
    partial = client.get(url("intake:inbox"), {"channel": "web"}, headers={"HX-Request": "true"})
    assert b"<html" not in partial.content and b"<table" in partial.content


def test_inbox_query_count_does_not_grow(client, tree, django_assert_max_num_queries):
    for i in range(3):
        submit(tree.school_a, description=f"r{i}")
    client.force_login(tree.users["coordinator"])
    client.get(url("intake:inbox"))
    for i in range(20):
        submit(tree.school_a, description=f"more {i}")
    with django_assert_max_num_queries(8):
        assert client.get(url("intake:inbox")).status_code == 200


def test_waiting_time_and_overdue_highlight(client, tree):
    with time_machine.travel(timezone.now() - dt.timedelta(hours=30)):
        late, _ = submit(tree.school_a)
    client.force_login(tree.users["coordinator"])
    page = client.get(url("intake:inbox")).content.decode()
    assert 'class=" overdue"' in page or "overdue" in page
    assert "overdue by 6" in page
    assert late.is_overdue()


def test_reply_reaches_the_reporter_and_starts_the_clock(client, tree):
    report, receipt = submit(tree.school_a)
    client.force_login(tree.users["coordinator"])
    act(client, report, action="reply", body="Thank you. We will talk to the class teacher.")
    report.refresh_from_db()
    assert report.first_responded_at is not None and report.status == Status.IN_TRIAGE
    client.logout()
    page = client.post("/follow-up/", {"receipt": str(receipt)}).content.decode()
    assert "We will talk to the class teacher." in page
    assert "Being handled" in page


def test_asking_for_information_waits_for_the_reporter(client, tree):
    report, receipt = submit(tree.school_a)
    client.force_login(tree.users["coordinator"])
    act(client, report, action="ask", body="Which break was it?")
    report.refresh_from_db()
    assert report.status == Status.NEEDS_INFO
    services.report_reporter_write(
        report=services.report_find(receipt_text=str(receipt)), body="Lunch"
    )
    report.refresh_from_db()
    assert report.status == Status.IN_TRIAGE


def test_merge_and_dismiss_are_on_the_timeline_and_audited(client, tree):
    first, _ = submit(tree.school_a)
    second, _receipt = submit(tree.school_a, description="Same thing, told by a friend.")
    client.force_login(tree.users["coordinator"])
    act(client, second, action="merge", into=first.pk)
    second.refresh_from_db()
    assert second.status == Status.MERGED and second.merged_into == first
    assert second.public_status == "received"  # follows the report it joined
    empty = act(client, first, action="dismiss", reason="  ")
    assert empty.status_code == 302
    first.refresh_from_db()
    assert first.status == Status.NEW
    act(
        client,
        first,
        action="dismiss",
        reason="Resolved between the pupils, checked with class teacher.",
    )
    first.refresh_from_db()
    assert first.status == Status.DISMISSED
    second.refresh_from_db()
    assert second.public_status == "closed"
    timeline = selectors.report_timeline(report=first)
    kinds = [item.kind for item in timeline if isinstance(item, ReportEvent)]
    assert kinds[0] == EventKind.SUBMITTED
    assert {EventKind.MERGED, EventKind.DISMISSED} <= set(kinds)
    assert AuditEvent.objects.filter(action="report.merge").exists()
    assert AuditEvent.objects.filter(action="report.dismiss").exists()


def test_merge_across_schools_is_refused(tree):
    a, _ = submit(tree.school_a)
    b, _ = submit(tree.school_b)
    with pytest.raises(services.InvalidInput):
        services.report_merge(actor=tree.users["coordinator"], report=a, into=b)


def test_staff_member_records_a_hotline_call(client, tree):
    client.force_login(tree.users["staff"])
    form = client.get(url("intake:report_enter"))
    assert form.status_code == 200
    response = client.post(
        url("intake:report_enter"),
        {
            **VALID,
            "channel": "hotline",
            "reporter_role": "parent",
            "school": tree.school_a.pk,
            "submission_token": "staff-1",
        },
    )
    assert response.status_code == 200
    assert b"Report saved" in response.content
    report = Report.objects.get()
    assert report.channel == "hotline" and report.entered_by == tree.users["staff"]


def test_staff_entry_needs_a_channel_and_a_school_of_theirs(client, tree):
    client.force_login(tree.users["staff"])
    response = client.post(
        url("intake:report_enter"),
        {**VALID, "channel": "web", "school": tree.school_a.pk},
    )
    assert response.status_code == 200 and b"Choose how the report reached you." in response.content
    client.force_login(tree.users["other_coordinator"])
    page = client.get(url("intake:report_enter"), {"school": tree.school_a.pk})
    assert tree.school_a.name.encode() not in page.content  # falls back to their own school
    assert Report.objects.count() == 0


def test_files_are_served_only_through_the_access_check(client, tree):
    photo = SimpleUploadedFile("p.jpg", jpeg_with_gps())
    from haven.intake.files import clean_upload

    report, _ = services.report_submit(
        school=tree.school_a,
        data=clean(files=[clean_upload(photo)]),
        language="en",
    )
    attachment = report.attachments.get()
    target = url("intake:attachment_download", report.pk, attachment.pk)
    assert client.get(target).status_code == 302
    client.force_login(tree.users["other_coordinator"])
    assert client.get(target).status_code == 404
    client.force_login(tree.users["coordinator"])
    response = client.get(target)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert "sandbox" in response["Content-Security-Policy"]
    assert AuditEvent.objects.filter(action="report.file_view").exists()


def test_staff_see_times_in_their_schools_time_zone(client, tree):
    with time_machine.travel(dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC), tick=False):
        report, _ = submit(tree.school_a)
    client.force_login(tree.users["coordinator"])
    page = client.get(url("intake:report_detail", report.pk)).content.decode()
    assert "Nov. 23, 2026, noon" in page


def test_inbox_filters_by_class_within_one_school(client, tree):
    in_class, _ = submit(tree.school_a, class_unit=tree.class_a, description="in class")
    elsewhere, _ = submit(tree.school_a, description="whole school")
    client.force_login(tree.users["coordinator"])
    page = client.get(url("intake:inbox"), {"class_unit": tree.class_a.pk}).content.decode()
    assert url("intake:report_detail", in_class.pk) in page
    assert url("intake:report_detail", elsewhere.pk) not in page
    client.force_login(tree.users["inspector"])  # sees two schools: no class filter
    assert 'name="class_unit"' not in client.get(url("intake:inbox")).content.decode()
