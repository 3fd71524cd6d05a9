from django.db import models
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
