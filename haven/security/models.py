from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ThrottleWindow(models.Model):
    """Attempts counted for one key in one fixed time window.

    Kept in the database so every app process behind the load balancer shares the count. The
    key is a keyed hash: no e-mail address, receipt or other identifier is stored in clear.
    """

    key_hash = models.CharField(_("key"), max_length=64)
    window_start = models.DateTimeField(_("window start"))
    count = models.PositiveIntegerField(_("attempts"), default=0)

    class Meta:
        verbose_name = _("throttle window")
        verbose_name_plural = _("throttle windows")
        constraints = [
            models.UniqueConstraint(fields=["key_hash", "window_start"], name="throttle_unique")
        ]
        indexes = [models.Index(fields=["window_start"], name="throttle_window_idx")]

    def __str__(self) -> str:
        return f"{self.key_hash[:8]}… {self.window_start:%Y-%m-%d %H:%M} x{self.count}"


class DataKey(models.Model):
    """One school's data key, sealed (wrapped) by a master key that is not in the database.

    A data key may be wrapped under several master keys at once (one row each, same key id)
    while the master key is rotated. The unit is an org unit's id, kept as a plain integer:
    security sits below orgs. A retired key no longer seals new content but still opens old.
    """

    key_id = models.CharField(_("key id"), max_length=24)
    unit_id = models.BigIntegerField(_("unit"))
    master_id = models.CharField(_("master key id"), max_length=24)
    wrapped = models.CharField(_("wrapped key"), max_length=120)
    created = models.DateTimeField(_("created at"), default=timezone.now)
    retired = models.DateTimeField(_("retired at"), null=True, blank=True)

    class Meta:
        verbose_name = _("data key")
        verbose_name_plural = _("data keys")
        constraints = [
            models.UniqueConstraint(fields=["key_id", "master_id"], name="datakey_wrap_unique"),
            # One key in use per unit (and master key): two processes cannot both make one.
            models.UniqueConstraint(
                fields=["unit_id", "master_id"],
                condition=models.Q(retired__isnull=True),
                name="datakey_one_active",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.key_id} ({self.unit_id}, {self.master_id})"
