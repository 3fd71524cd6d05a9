"""The outbox: every message Haven sends, one row per recipient and channel.

A row is written in the transaction of whatever it announces (so it exists exactly when that
did), rendered then in the recipient's language, and sent afterwards by a task that claims it
with one conditional UPDATE. The row is the record of what went to whom and when.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Message(models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,  # the dedupe constraint's index starts with the key; see Meta
    )
    channel = models.CharField(_("channel"), max_length=32)
    address = models.CharField(_("address"), max_length=254)
    kind = models.CharField(_("kind"), max_length=64)
    # Unique per (key, recipient, channel): a caller that runs again never sends twice.
    dedupe_key = models.CharField(_("key"), max_length=200)
    language = models.CharField(_("language"), max_length=10)
    subject = models.CharField(_("subject"), max_length=300)
    # Only a link to the access-checked page: no detail of a report or case ever goes out.
    body = models.TextField(_("body"))
    unit = models.ForeignKey(
        "orgs.OrgUnit",
        verbose_name=_("unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    failed_at = models.DateTimeField(_("failed at"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    error = models.CharField(_("error"), max_length=300, blank=True)
    # When the sweep next queues it if still unsent: soon after creation (in case the queued
    # run never came), later after each failure.
    retry_at = models.DateTimeField(_("next try"))

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["dedupe_key", "recipient", "channel"], name="notify_message_once"
            ),
        ]
        indexes = [
            # The sweep reads only what is unsent, so its cost follows the backlog.
            models.Index(
                fields=["retry_at"], condition=Q(sent_at__isnull=True), name="notify_unsent_idx"
            ),
            models.Index(fields=["unit", "created_at"], name="notify_unit_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} → {self.address}"


class UserChannel(models.Model):
    """A channel a user is reached on. A user without any is reached by e-mail at their
    account's address."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="notify_channels",
    )
    channel = models.CharField(_("channel"), max_length=32)
    # Blank: the channel's default for this user (for e-mail, the account's address).
    address = models.CharField(_("address"), max_length=254, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("channel")
        verbose_name_plural = _("channels")
        ordering = ["user", "channel"]
        constraints = [
            models.UniqueConstraint(fields=["user", "channel"], name="notify_userchannel_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.channel}"
