from django.conf import settings
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


class ApiToken(models.Model):
    """A staff member's personal token for the API (``Authorization: Bearer hvn_...``).

    Only the SHA-256 of the token is stored: the secret is 32 random bytes, so a plain hash
    cannot be guessed back, and a lookup by digest is one indexed query. The first characters
    stay visible (``prefix``) so a person can tell their tokens apart.
    """

    class Scope(models.TextChoices):
        READ = "read", _("Read only")
        READ_WRITE = "read-write", _("Read and write")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="api_tokens",
        verbose_name=_("user"),
    )
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("prefix"), max_length=16)
    digest = models.CharField(_("digest"), max_length=64, unique=True)
    scope = models.CharField(_("scope"), max_length=16, choices=Scope.choices)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"))
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
