"""What the Telegram channel keeps: deep-link tokens, each chat's place in the conversation,
the chat a report came from (hashed and sealed), updates already handled, and the outbox.

Defined here and imported by ``intake.models``, so they belong to the intake app.
"""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from haven.security.fields import EncryptedTextField


class StartToken(models.Model):
    """The opaque token of a ``t.me/<bot>?start=<token>`` link: names a school or a class
    without saying which to anyone who reads the link."""

    unit = models.OneToOneField(
        "orgs.OrgUnit",
        verbose_name=_("school or class"),
        on_delete=models.CASCADE,
        related_name="telegram_start",
    )
    token = models.CharField(_("token"), max_length=64)  # unique: Meta
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("Telegram link")
        verbose_name_plural = _("Telegram links")
        constraints = [models.UniqueConstraint(fields=["token"], name="telegram_token_unique")]

    def __str__(self) -> str:
        return str(self.unit)


class ChatState(models.TextChoices):
    IDLE = "idle", _("idle")
    DESCRIPTION = "description", _("what happened")
    HARMS = "harms", _("kinds of harm")
    PLACE = "place", _("where")
    AFFECTED = "affected", _("who is affected")
    ROLE = "role", _("who is reporting")
    FILES = "files", _("files")
    CONFIRM = "confirm", _("summary")


class Chat(models.Model):
    """One private chat's place in the conversation. Known by a keyed hash of its id only:
    nothing here can reach the chat (the sealed copy is the report's, in ``ReportChat``)."""

    chat_hash = models.CharField(_("chat check"), max_length=64)  # unique: Meta
    state = models.CharField(
        _("state"), max_length=16, choices=ChatState.choices, default=ChatState.IDLE
    )
    school = models.ForeignKey(
        "orgs.OrgUnit",
        verbose_name=_("school"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    class_unit = models.ForeignKey(
        "orgs.OrgUnit",
        verbose_name=_("class"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    # The answers so far (description, harms, place, affected, reporter_role, Telegram file
    # ids, a submission token): emptied when the report is sent or the draft goes stale.
    draft = models.JSONField(_("draft"), default=dict, blank=True)
    # The report this chat's later messages join; gone with the report.
    report = models.ForeignKey(
        "intake.Report",
        verbose_name=_("report"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        verbose_name = _("Telegram chat")
        verbose_name_plural = _("Telegram chats")
        constraints = [models.UniqueConstraint(fields=["chat_hash"], name="telegram_chat_unique")]

    def __str__(self) -> str:
        return f"{self.state} {self.updated_at:%Y-%m-%d}"


class ReportChat(models.Model):
    """The chat a report came from, to send the school's answers to. Never shown to staff;
    deleted with the report. Read and written only in ``telegram.chats``."""

    report = models.OneToOneField(
        "intake.Report",
        verbose_name=_("report"),
        on_delete=models.CASCADE,
        related_name="telegram_chat",
    )
    chat_hash = models.CharField(_("chat check"), max_length=64, db_index=True)
    # Sealed with the report's school key, like the report's own text.
    chat_sealed = EncryptedTextField(_("chat"), unit="report.school_id")

    class Meta:
        verbose_name = _("report's Telegram chat")
        verbose_name_plural = _("reports' Telegram chats")

    def __str__(self) -> str:
        return f"report {self.report_id}"


class Update(models.Model):
    """An update already handled: Telegram sends again what it thinks was not received."""

    update_id = models.BigIntegerField(_("update"))  # unique: Meta
    received_at = models.DateTimeField(_("received at"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("Telegram update")
        verbose_name_plural = _("Telegram updates")
        constraints = [models.UniqueConstraint(fields=["update_id"], name="telegram_update_once")]

    def __str__(self) -> str:
        return str(self.update_id)


class Outgoing(models.Model):
    """A message that must reach a reporter's chat (the receipt, the school's answers):
    written in the transaction that makes it, sent after, retried until it goes."""

    chat = models.ForeignKey(
        ReportChat, verbose_name=_("chat"), on_delete=models.CASCADE, related_name="outgoing"
    )
    text = models.TextField(_("text"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    error = models.CharField(_("error"), max_length=300, blank=True)
    retry_at = models.DateTimeField(_("next try"))

    class Meta:
        verbose_name = _("Telegram message")
        verbose_name_plural = _("Telegram messages")
        ordering = ["created_at", "pk"]
        indexes = [
            models.Index(
                fields=["retry_at"],
                condition=Q(sent_at__isnull=True),
                name="telegram_unsent_idx",
            )
        ]

    def __str__(self) -> str:
        return f"{self.chat_id} {self.created_at:%Y-%m-%d %H:%M}"
