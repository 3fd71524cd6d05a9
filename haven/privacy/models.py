"""Legal holds and the register of erasures.

An erased report, case or pupil-of-concern entry keeps its row (dates, kinds, counts: what
the statistics read) with its text blanked; ``Erasure`` records that and when, so the daily
run does each once and pages can say why a text is gone.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    CASE = "case", _("closed case")
    DISMISSED = "dismissed", _("dismissed report")
    REPORT = "report", _("report never opened as a case")
    RECEIPT = "receipt", _("follow-up receipt without use")
    MESSAGES = "messages", _("messages and files of a report")
    CONCERN = "concern", _("pupil of concern who has left")


class LegalHold(models.Model):
    """Keeps one report, case or pupil-of-concern entry past its retention, with a reason,
    until lifted. Exactly one of the three is set."""

    school = models.ForeignKey(
        "orgs.OrgUnit", verbose_name=_("school"), on_delete=models.PROTECT, related_name="+"
    )
    report = models.ForeignKey(
        "intake.Report",
        verbose_name=_("report"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    case = models.ForeignKey(
        "cases.Case",
        verbose_name=_("case"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    concern = models.ForeignKey(
        "care.ConcernEntry",
        verbose_name=_("pupil of concern"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reason = models.TextField(_("reason for the hold"))
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("placed by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    placed_at = models.DateTimeField(_("placed at"), default=timezone.now)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("lifted by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    lifted_at = models.DateTimeField(_("lifted at"), null=True, blank=True)

    class Meta:
        verbose_name = _("legal hold")
        verbose_name_plural = _("legal holds")
        ordering = ["-placed_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(report__isnull=False, case__isnull=True, concern__isnull=True)
                    | Q(report__isnull=True, case__isnull=False, concern__isnull=True)
                    | Q(report__isnull=True, case__isnull=True, concern__isnull=False)
                ),
                name="hold_one_object",
            ),
        ]
        indexes = [models.Index(fields=["school", "lifted_at"], name="hold_school_idx")]

    def __str__(self) -> str:
        # Never the reason: this text goes into the audit log.
        return f"hold #{self.pk}"


class Erasure(models.Model):
    """One erasure done by the retention run: what (kind and row), where, when, by which rule
    of which policy. No content."""

    kind = models.CharField(_("what"), max_length=16, choices=Kind.choices)
    object_id = models.PositiveBigIntegerField(_("row"))
    school = models.ForeignKey(
        "orgs.OrgUnit", verbose_name=_("school"), on_delete=models.PROTECT, related_name="+"
    )
    policy = models.CharField(_("policy"), max_length=16)
    erased_at = models.DateTimeField(_("erased at"), default=timezone.now)

    class Meta:
        verbose_name = _("erasure")
        verbose_name_plural = _("erasures")
        ordering = ["-erased_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "object_id"], name="erasure_once"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.object_id}"
