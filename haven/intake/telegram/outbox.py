"""Messages that must reach a reporter's chat later: the receipt and the school's answers.

Each is a row written in the transaction that makes it (the report stored, the reply
written), sent by a task queued when that commits, claimed by one conditional UPDATE (two
workers send it once) and retried with the notifier's back-off by the clock's sweep. The
notifier's own outbox (``notify.Message``) does not fit: it is addressed to an account and
keeps the address in clear, and a reporter has neither.
"""

import datetime as dt
import logging
from functools import partial

from django.db import transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.utils import timezone, translation

from haven.intake.models import Report
from haven.intake.telegram import bot, chats
from haven.intake.telegram.models import Outgoing
from haven.lib.tasks import task
from haven.notify.delivery import LEASE, MAX_ATTEMPTS, backoff

logger = logging.getLogger(__name__)

FRESH = dt.timedelta(minutes=1)


def outgoing_add(*, report: Report, text: str) -> Outgoing | None:
    """Queue ``text`` for the chat ``report`` came from (None when it came another way)."""
    link = chats.report_chat_get(report.pk)
    if link is None:
        return None
    now = timezone.now()
    row = Outgoing.objects.create(chat=link, text=text, created_at=now, retry_at=now + FRESH)
    transaction.on_commit(partial(outgoing_queue, [row.pk]))
    return row


def staff_wrote(*, report: Report, body: str) -> None:
    """The school answered ``report`` (``services.report_staff_write``, in its transaction):
    the answer goes to the reporter's chat, in the report's language."""
    if not chats.report_chat_get(report.pk):
        return
    with translation.override(report.language):
        text = render_to_string("intake/telegram/staff_wrote.txt", {"body": body}).strip()
    outgoing_add(report=report, text=text)


def outgoing_queue(ids: list[int]) -> None:
    telegram_deliver.enqueue(ids)


@task()
def telegram_deliver(ids: list[int]) -> int:
    """Send these outgoing Telegram messages (those still unsent); the number sent."""
    return deliver(ids)


def _claim(pk: int, now: dt.datetime) -> bool:
    unclaimed = Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - LEASE)
    return bool(
        Outgoing.objects.filter(unclaimed, pk=pk, sent_at__isnull=True).update(
            claimed_at=now, attempts=F("attempts") + 1, retry_at=now + LEASE
        )
    )


def deliver(ids: list[int]) -> int:
    """Send these messages not yet sent, oldest first; the number sent."""
    sent = 0
    rows = Outgoing.objects.select_related("chat").filter(pk__in=ids, sent_at__isnull=True)
    for row in rows.order_by("pk"):
        if not _claim(row.pk, timezone.now()):
            continue
        try:
            bot.send_message(chats.chat_id_of(row.chat), row.text)
        except bot.BotError as exc:
            logger.warning("telegram: message %s not sent: %s", row.pk, exc)
            failed = timezone.now()
            Outgoing.objects.filter(pk=row.pk, sent_at__isnull=True).update(
                claimed_at=None, error=str(exc)[:300], retry_at=failed + backoff(row.attempts + 1)
            )
            continue
        Outgoing.objects.filter(pk=row.pk).update(sent_at=timezone.now())
        sent += 1
    return sent


def outgoing_requeue(*, now: dt.datetime) -> int:
    """Queue again what is due and unsent (a queued run that never came, a failed send).
    Safe to run twice at once: a message queued twice is claimed and sent once."""
    due = list(
        Outgoing.objects.filter(sent_at__isnull=True, retry_at__lte=now, attempts__lt=MAX_ATTEMPTS)
        .order_by("retry_at")
        .values_list("pk", flat=True)[:2000]
    )
    if due:
        Outgoing.objects.filter(pk__in=due, sent_at__isnull=True).update(retry_at=now + LEASE)
        outgoing_queue(due)
    return len(due)
