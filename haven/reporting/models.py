"""Periodic reports: one per (unit, template, period), made when the period ends from the
figures frozen then, filled and signed by the unit, sent to the level above, which accepts
or returns it. Each step is an event on the report's timeline (and in the audit log)."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class PeriodicReport(models.Model):
    class State(models.TextChoices):
        DRAFT = "draft", _("draft")
        SIGNED = "signed", _("signed")
        SUBMITTED = "submitted", _("submitted")
        RETURNED = "returned", _("returned")
        ACCEPTED = "accepted", _("accepted")

    unit = models.ForeignKey(
        "orgs.OrgUnit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+"
    )
    template = models.CharField(_("report"), max_length=40)
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    period_key = models.CharField(_("period"), max_length=40)
    due = models.DateField(_("due"))
    state = models.CharField(_("state"), max_length=12, choices=State.choices, default=State.DRAFT)
    # The figures as the level above reads them (disclosure applied), frozen at generation.
    figures = models.JSONField(_("figures"), default=dict)
    # The units below (the report's ``units`` section): their reports' states and figures.
    below = models.JSONField(_("units below"), default=list, blank=True)
    # The prevention plan's activities and their status (the ``activities`` section).
    activities = models.JSONField(_("activities"), default=list, blank=True)
    narrative = models.JSONField(_("narrative"), default=dict, blank=True)
    generated_at = models.DateTimeField(_("generated at"), default=timezone.now)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("signed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    signed_at = models.DateTimeField(_("signed at"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    # The first submission: timeliness counts it, whatever happened after.
    first_submitted_at = models.DateTimeField(_("first submitted at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    return_reason = models.TextField(_("reason for returning"), blank=True)
    reminded_at = models.DateTimeField(_("reminded at"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)

    class Meta:
        verbose_name = _("periodic report")
        verbose_name_plural = _("periodic reports")
        ordering = ["-period_start", "unit__path"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "template", "period_start"], name="reporting_report_unique"
            )
        ]
        indexes = [models.Index(fields=["template", "period_start", "state"])]

    def __str__(self) -> str:
        return f"{self.template} {self.period_key} {self.unit_id}"

    @property
    def received(self) -> bool:
        return self.first_submitted_at is not None

    @property
    def editable(self) -> bool:
        return self.state in (self.State.DRAFT, self.State.RETURNED)


class ReportEvent(models.Model):
    """The report's timeline."""

    class Kind(models.TextChoices):
        GENERATED = "generated", _("generated")
        REGENERATED = "regenerated", _("figures generated again")
        FILLED = "filled", _("text saved")
        SIGNED = "signed", _("signed")
        SUBMITTED = "submitted", _("submitted")
        RETURNED = "returned", _("returned")
        ACCEPTED = "accepted", _("accepted")
        REMINDED = "reminded", _("reminder sent")
        ESCALATED = "escalated", _("escalated")

    report = models.ForeignKey(
        PeriodicReport, verbose_name=_("report"), on_delete=models.CASCADE, related_name="events"
    )
    kind = models.CharField(_("event"), max_length=16, choices=Kind.choices)
    at = models.DateTimeField(_("at"), default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("report event")
        verbose_name_plural = _("report events")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.report_id} {self.kind}"


class ReportFile(models.Model):
    """A large report's PDF or workbook, made in the background; the page polls it."""

    class Status(models.TextChoices):
        PENDING = "pending", _("being made")
        READY = "ready", _("ready")
        FAILED = "failed", _("failed")

    report = models.ForeignKey(
        PeriodicReport, verbose_name=_("report"), on_delete=models.CASCADE, related_name="files"
    )
    fmt = models.CharField(_("format"), max_length=8)
    language = models.CharField(_("language"), max_length=12)
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.PENDING
    )
    file = models.FileField(_("file"), upload_to="reporting/", blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("report file")
        verbose_name_plural = _("report files")

    def __str__(self) -> str:
        return f"{self.report_id} {self.fmt} {self.language}"
