"""The Telegram channel's share of the clock tick (``manage.py clock_tick``)."""

import datetime as dt

from django.utils import timezone

from haven.intake.telegram import conversation, outbox
from haven.intake.telegram.models import Update

# Telegram re-sends an update for at most a day; its id is kept a week.
UPDATES_KEPT = dt.timedelta(days=7)


def telegram_sweep(*, now: dt.datetime | None = None) -> int:
    """Queue again unsent messages, forget old update ids and day-old unfinished drafts; the
    number of messages queued. Safe to run twice at once."""
    now = now or timezone.now()
    queued = outbox.outgoing_requeue(now=now)
    Update.objects.filter(received_at__lt=now - UPDATES_KEPT).delete()
    conversation.drafts_expire(now=now)
    return queued
