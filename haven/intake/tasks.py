"""Background work for reports: telling the school's responders that a report came in."""

from django.db import transaction

from haven.intake.models import Report
from haven.intake.urgent import report_announce
from haven.lib.tasks import task
from haven.notify import services as notify


@task()
def notify_pending_reports() -> int:
    """Announce every report still waiting for it; the number of messages sent.

    A report's ``notify_pending`` flag is its durable queue entry (set by the one INSERT that
    stores it). Each report is claimed by one conditional UPDATE in the transaction that writes
    its outbox messages, so parallel runs never announce a report twice; the messages are then
    sent here, and a failed one is left in the outbox for the sweep.
    """
    pending = Report.objects.filter(notify_pending=True).order_by("created_at")
    written: list[int] = []
    for pk in list(pending.values_list("pk", flat=True)[:500]):
        with transaction.atomic():
            if Report.objects.filter(pk=pk, notify_pending=True).update(notify_pending=False):
                report = Report.objects.select_related("school__jurisdiction").get(pk=pk)
                written += announce(report)
    return notify.messages_deliver(written)


def announce(report: Report) -> list[int]:
    """Tell the school (``urgent.report_announce``); the ids of the messages, written and not
    yet sent. The message holds no detail of the report: the link leads to the
    access-checked page."""
    return report_announce(report)
