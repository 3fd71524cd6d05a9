"""An append-only log of who read or changed what, and when.

Rows are written only by ``audit.services.audit_record`` inside the transaction of the change
they describe. Database triggers (see the migrations) refuse UPDATE and DELETE, so not even a
bug or a hand-written query can rewrite history.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AppendOnlyError(Exception):
    pass


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    def update(self, **kwargs: object) -> int:
        raise AppendOnlyError("Audit events cannot be changed.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("Audit events cannot be deleted.")


class AuditEvent(models.Model):
    created_at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # partial index in Meta: the system and anonymous reporters have none
    )
    # Kept as written even if the account is renamed later.
    actor_label = models.CharField(_("actor as shown"), max_length=254, blank=True)
    action = models.CharField(_("action"), max_length=64)  # indexed in Meta, without LIKE's
    object_type = models.CharField(_("object type"), max_length=64, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    object_repr = models.CharField(_("object"), max_length=200, blank=True)
    org_unit = models.ForeignKey(
        "orgs.OrgUnit",
        verbose_name=_("organisation unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    details = models.JSONField(_("details"), default=dict, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["object_type", "object_id"], name="audit_object_idx"),
            models.Index(fields=["action"], name="audit_action_idx"),
            models.Index(
                fields=["actor"], condition=models.Q(actor__isnull=False), name="audit_actor_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action} {self.object_repr}"

    def save(self, *args: object, **kwargs: object) -> None:
        # An integrity guard, not business logic: existing rows are never written again.
        if self.pk is not None and not self._state.adding:
            raise AppendOnlyError("Audit events cannot be changed.")
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("Audit events cannot be deleted.")
