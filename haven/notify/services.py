"""Telling people things: the one way out for every app.

A caller names who (users, usually from ``recipients``), what (a template pair and its
context) and about which unit, inside its own transaction:

    message_send(to=recipients(school, roles=[Role.COORDINATOR]), kind="intake.new_report",
                 key=f"report:{report.pk}", template="intake/email/new_report",
                 context={"report": report}, unit=school, link=("intake:report_detail", [pk]))

One outbox row is written per recipient and channel, rendered now in the recipient's language,
and sent by a task queued when the transaction commits. ``<template>_subject.txt`` and
``<template>.txt`` get the caller's context plus ``user`` (the recipient) and ``link`` (the
absolute address of the access-checked page, in the recipient's language). Context values that
depend on the language (procedure names, say) should be lazy, so they render in the
recipient's. Messages carry no detail of a report or case: e-mail is not a safe place for it.
"""

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from functools import partial
from typing import Any

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from haven.lib import i18n
from haven.notify import channels, delivery, tasks
from haven.notify.models import Message, UserChannel
from haven.orgs.models import Jurisdiction, OrgUnit, User

# A URL name and its arguments, reversed in each recipient's language.
Link = tuple[str, Sequence[Any]]

# Ids per queued sending task.
BATCH = 500


def language_for(user: User, jurisdiction: Jurisdiction) -> str:
    """The user's stored language, else the jurisdiction's first that Haven speaks."""
    return i18n.language_for(user.language, list(jurisdiction.languages or []))


def _targets(users: Iterable[User]) -> dict[int, list[tuple[str, str]]]:
    """Each user's (channel, address) pairs: the channels they stored that Haven has, or
    e-mail at their account's address."""
    by_user = {user.pk: user for user in users}
    found: dict[int, list[tuple[str, str]]] = {}
    for row in UserChannel.objects.filter(user_id__in=by_user).order_by("channel"):
        channel = channels.get(row.channel)
        if channel is None:
            continue
        address = row.address or channel.default_address(by_user[row.user_id])
        if address:
            found.setdefault(row.user_id, []).append((row.channel, address))
    for pk, user in by_user.items():
        if pk not in found and user.email:
            found[pk] = [(channels.EMAIL.code, user.email)]
    return found


def _render(
    template: str, context: Mapping[str, Any], link: Link, language: str, time_zone: str
) -> tuple[str, str]:
    with translation.override(language), timezone.override(time_zone):
        name, args = link
        full = {
            **context,
            "link": settings.HAVEN_BASE_URL.rstrip("/") + reverse(name, args=list(args)),
        }
        subject = " ".join(render_to_string(f"{template}_subject.txt", full).split())
        body = render_to_string(f"{template}.txt", full)
    return subject[:300], body


def message_send(
    *,
    to: Iterable[User],
    kind: str,
    key: str,
    template: str,
    context: Mapping[str, Any],
    unit: OrgUnit,
    link: Link,
    queue: bool = True,
) -> list[int]:
    """Write one message per active recipient and channel; the ids of those waiting to go.

    ``key`` names the occasion (``report:12``): a recipient gets one message per key and
    channel however often this runs. With ``queue`` the sending task is queued when the
    caller's transaction commits; a caller that batches passes ``queue=False`` and hands the
    ids to ``messages_queue`` (or ``messages_deliver``) once committed.
    """
    if not key:
        raise ValueError("A notification needs a key.")
    users = {user.pk: user for user in to if user.is_active}
    if not users:
        return []
    jurisdiction = unit.jurisdiction
    now = timezone.now()
    rows: list[Message] = []
    for pk, targets in _targets(users.values()).items():
        user = users[pk]
        language = language_for(user, jurisdiction)
        subject, body = _render(
            template, {**context, "user": user}, link, language, jurisdiction.time_zone
        )
        rows.extend(
            Message(
                recipient=user,
                channel=code,
                address=address,
                kind=kind,
                dedupe_key=key,
                language=language,
                subject=subject,
                body=body,
                unit=unit,
                created_at=now,
                retry_at=now + delivery.FRESH,
            )
            for code, address in targets
        )
    if not rows:
        return []
    # The key's constraint keeps the messages an earlier run (or a concurrent caller) wrote;
    # rendering them again on a rare retry costs less than looking for them on every call.
    Message.objects.bulk_create(rows, ignore_conflicts=True)
    ids = list(
        Message.objects.filter(
            dedupe_key=key, recipient_id__in=users, sent_at__isnull=True
        ).values_list("pk", flat=True)
    )
    if queue and ids:
        transaction.on_commit(partial(messages_queue, ids))
    return ids


def messages_queue(message_ids: Sequence[int]) -> None:
    """Queue the sending of committed messages (one task per batch)."""
    for start in range(0, len(message_ids), BATCH):
        tasks.deliver.enqueue(list(message_ids[start : start + BATCH]))


def messages_deliver(message_ids: Sequence[int]) -> int:
    """Send committed messages now, in this process (a task that made them); the number sent."""
    return delivery.deliver(message_ids)


def outbox_sweep(*, now: dt.datetime | None = None) -> int:
    """Queue again the messages whose time came and that are still unsent: new ones whose
    queued run never came, failed ones due for another try, claims of a worker that died.
    Safe to run at once: a message queued twice is still claimed and sent once."""
    now = now or timezone.now()
    due = list(
        Message.objects.filter(
            sent_at__isnull=True, retry_at__lte=now, attempts__lt=delivery.MAX_ATTEMPTS
        )
        .order_by("retry_at")
        .values_list("pk", flat=True)[:5000]
    )
    if not due:
        return 0
    # Not again on the next tick while this run waits for a worker.
    Message.objects.filter(pk__in=due, sent_at__isnull=True).update(retry_at=now + delivery.LEASE)
    messages_queue(due)
    return len(due)
