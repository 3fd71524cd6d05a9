"""Sending what the outbox holds: each message claimed by one conditional UPDATE, so two
workers given the same message send it once; a failure is recorded and left for the sweep."""

import datetime as dt
import logging
from collections.abc import Iterable

from django.db.models import F, Q
from django.utils import timezone

from haven.notify import channels
from haven.notify.models import Message

logger = logging.getLogger(__name__)

# A claim older than this is taken to be a worker that died while sending.
LEASE = dt.timedelta(minutes=15)
# A new message not sent by then is queued again by the sweep (its queued run never came).
FRESH = dt.timedelta(minutes=1)
# Failures are retried after 5, 10, 20... minutes, at most six hours apart, about four days.
MAX_ATTEMPTS = 20


def backoff(attempts: int) -> dt.timedelta:
    return dt.timedelta(minutes=min(5 * 2 ** max(attempts - 1, 0), 360))


def claim(pk: int, now: dt.datetime) -> bool:
    """Take ``pk`` for sending: true for exactly one caller while it is unsent and unclaimed
    (or its claim has lapsed)."""
    unclaimed = Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - LEASE)
    return bool(
        Message.objects.filter(unclaimed, pk=pk, sent_at__isnull=True).update(
            claimed_at=now, attempts=F("attempts") + 1, retry_at=now + LEASE
        )
    )


def deliver(message_ids: Iterable[int]) -> int:
    """Send each of these messages not yet sent; the number sent by this call."""
    sent = 0
    ids = list(message_ids)
    for message in Message.objects.filter(pk__in=ids, sent_at__isnull=True).order_by("pk"):
        now = timezone.now()
        if not claim(message.pk, now):
            continue  # another worker has it, or has sent it
        try:
            channel = channels.get(message.channel)
            if channel is None:
                raise LookupError(f"no channel {message.channel!r} is registered")
            channel.send(address=message.address, subject=message.subject, body=message.body)
        except Exception as exc:  # any failure: recorded, retried later, the others still go
            logger.warning("notify: message %s not sent", message.pk, exc_info=True)
            failed = timezone.now()
            Message.objects.filter(pk=message.pk, sent_at__isnull=True).update(
                claimed_at=None,
                failed_at=failed,
                error=f"{type(exc).__name__}: {exc}"[:300],
                retry_at=failed + backoff(message.attempts + 1),
            )
            continue
        Message.objects.filter(pk=message.pk).update(sent_at=timezone.now())
        sent += 1
    return sent
