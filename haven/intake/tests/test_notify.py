"""The coordinators' e-mail is queued with the report itself and sent exactly once."""

import datetime as dt
from unittest import mock

import pytest
from django.core import mail
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from haven.intake import services
from haven.intake.models import Report
from haven.intake.tasks import notify_pending_reports
from haven.intake.tests.helpers import submit
from haven.notify.models import Message
from haven.notify.services import messages_deliver, outbox_sweep

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture
def queued_later(settings, monkeypatch):
    """The production backend: tasks wait in the database for the worker."""
    settings.TASKS = DATABASE_TASKS
    monkeypatch.setattr(services, "_notifier_queued_until", 0.0)


def test_a_report_is_stored_with_its_email_pending_and_sent_once(tree, queued_later):
    report, _receipt = submit(tree.school_a)
    assert Report.objects.get(pk=report.pk).notify_pending
    assert mail.outbox == []

    assert notify_pending_reports.call() == 1
    assert [m.to for m in mail.outbox] == [[tree.users["coordinator"].email]]
    assert not Report.objects.get(pk=report.pk).notify_pending
    assert notify_pending_reports.call() == 0  # a second run announces nothing again
    assert len(mail.outbox) == 1


def test_reports_within_a_second_share_one_queued_run_that_starts_after_them(
    tree, queued_later, django_capture_on_commit_callbacks
):
    for _ in range(3):
        with django_capture_on_commit_callbacks(execute=True):
            submit(tree.school_a)
    task = DBTaskResult.objects.get()
    assert task.task_path.endswith("notify_pending_reports")
    assert task.run_after is not None and task.run_after > timezone.now()

    services._notifier_queued_until = 0.0  # the half second has passed
    with django_capture_on_commit_callbacks(execute=True):
        submit(tree.school_a)
    assert DBTaskResult.objects.count() == 2
    assert notify_pending_reports.call() == 4


def test_a_failed_send_leaves_the_message_for_the_sweep(tree, queued_later):
    report, _receipt = submit(tree.school_a)
    with mock.patch("haven.notify.channels.send_mail", side_effect=OSError("mail server down")):
        assert notify_pending_reports.call() == 0
    assert mail.outbox == []
    # The report is announced (its message is in the outbox); the message waits for a retry.
    assert not Report.objects.get(pk=report.pk).notify_pending
    message = Message.objects.get(dedupe_key=f"report:{report.pk}")
    assert message.sent_at is None and message.failed_at is not None
    assert notify_pending_reports.call() == 0  # announced once, not twice
    assert outbox_sweep(now=message.retry_at) == 1
    assert DBTaskResult.objects.filter(task_path__endswith="deliver").exists()
    assert messages_deliver([message.pk]) == 1
    assert [m.to for m in mail.outbox] == [[tree.users["coordinator"].email]]


def test_the_clock_requeues_a_report_left_waiting(tree, queued_later):
    report, _receipt = submit(tree.school_a)
    DBTaskResult.objects.all().delete()  # as if the process died before queuing the run
    assert not services.notifier_sweep()  # under a minute old: a queued run may still come
    later = timezone.now() + dt.timedelta(minutes=2)
    assert services.notifier_sweep(now=later)
    assert DBTaskResult.objects.filter(task_path__endswith="notify_pending_reports").exists()
    assert Report.objects.get(pk=report.pk).notify_pending
