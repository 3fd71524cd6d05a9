"""Rate limits shared by all app processes: fixed windows counted in the database."""

import datetime as dt
import hashlib
import hmac
import secrets

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from haven.audit.services import audit_record
from haven.lib.errors import FieldErrors, NotFound
from haven.security.models import ApiToken, ThrottleWindow


def _key_hash(scope: str, key: str) -> str:
    message = f"{scope}\x00{key}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


def _window_start(window_seconds: int) -> dt.datetime:
    now = timezone.now().timestamp()
    return dt.datetime.fromtimestamp(now - now % window_seconds, tz=dt.UTC)


def throttle_count(*, scope: str, key: str, window_seconds: int) -> int:
    """Attempts already counted for ``key`` in the current window."""
    counts = ThrottleWindow.objects.filter(
        key_hash=_key_hash(scope, key), window_start=_window_start(window_seconds)
    ).values_list("count", flat=True)
    # One row at most (unique key and window): a slice, not .first(), which adds an ORDER BY.
    return next(iter(counts[:1]), 0)


def throttle_hit(*, scope: str, key: str, window_seconds: int) -> int:
    """Count one attempt; returns the count in the current window, this one included."""
    key_hash, start = _key_hash(scope, key), _window_start(window_seconds)
    with transaction.atomic():
        row, _created = ThrottleWindow.objects.get_or_create(key_hash=key_hash, window_start=start)
        ThrottleWindow.objects.filter(pk=row.pk).update(count=F("count") + 1)
    return throttle_count(scope=scope, key=key, window_seconds=window_seconds)


def throttle_prune(*, older_than: dt.timedelta = dt.timedelta(days=1)) -> int:
    """Forget windows that ended long ago (run periodically)."""
    deleted, _ = ThrottleWindow.objects.filter(
        window_start__lt=timezone.now() - older_than
    ).delete()
    return deleted


# Personal API tokens. The secret is 32 random bytes; only its SHA-256 is stored (a keyed or
# slow hash adds nothing against a guess of 256 bits, and one indexed lookup stays cheap).
TOKEN_PREFIX = "hvn_"  # noqa: S105 (a visible marker, not a secret)
TOKEN_DAYS_DEFAULT = 90
TOKEN_DAYS_MAX = 365
# A token used all day would write an audit row per request: one per token per clock hour
# says who used it and when just as well. last_used_at is refreshed at most once a minute.
TOKEN_USE_AUDIT = dt.timedelta(hours=1)
TOKEN_USE_TOUCH = dt.timedelta(minutes=1)


def _token_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def api_token_create(
    *, actor: AbstractBaseUser, name: str, scope: str, days: int = TOKEN_DAYS_DEFAULT
) -> tuple[ApiToken, str]:
    """A new token for ``actor``; returns it with its secret, which is shown once and never
    stored."""
    name = name.strip()
    errors: dict[str, list[str]] = {}
    if not name or len(name) > 100:
        errors["name"] = [str(_("Give the token a name of at most 100 characters."))]
    if scope not in ApiToken.Scope.values:
        errors["scope"] = [str(_("Choose read only or read and write."))]
    if not 1 <= days <= TOKEN_DAYS_MAX:
        errors["days"] = [str(_("A token lasts from 1 to 365 days."))]
    if errors:
        raise FieldErrors(errors)
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = timezone.now()
    with transaction.atomic():
        token = ApiToken.objects.create(
            user_id=actor.pk,
            name=name,
            prefix=secret[: len(TOKEN_PREFIX) + 6],
            digest=_token_digest(secret),
            scope=scope,
            created_at=now,
            expires_at=now + dt.timedelta(days=days),
        )
        audit_record(
            actor=actor,
            action="api_token.created",
            obj=token,
            details={"scope": scope, "expires_at": token.expires_at.isoformat()},
        )
    return token, secret


def api_token_revoke(*, actor: AbstractBaseUser, token_id: int) -> ApiToken:
    """Revoke one of ``actor``'s own tokens (another's is not found)."""
    with transaction.atomic():
        token = (
            ApiToken.objects.select_for_update()
            .filter(pk=token_id, user_id=actor.pk, revoked_at__isnull=True)
            .first()
        )
        if token is None:
            raise NotFound()
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_record(actor=actor, action="api_token.revoked", obj=token)
    return token


def api_token_list(*, user: AbstractBaseUser) -> list[ApiToken]:
    """The user's own tokens, newest first, revoked ones too (they say what was done)."""
    if not user.is_authenticated:
        return []
    return list(ApiToken.objects.filter(user_id=user.pk))


def api_token_authenticate(*, secret: str) -> ApiToken | None:
    """The live token behind ``secret`` (not revoked, not expired), with its user, or None.
    Records its use: ``last_used_at`` at most once a minute, an audit row once an hour."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 100:
        return None
    now = timezone.now()
    token = (
        ApiToken.objects.select_related("user")
        .filter(digest=_token_digest(secret), revoked_at__isnull=True, expires_at__gt=now)
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    last = token.last_used_at
    if last is None or now - last >= TOKEN_USE_TOUCH:
        with transaction.atomic():
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
            if last is None or now - last >= TOKEN_USE_AUDIT or last.hour != now.hour:
                audit_record(actor=token.user, action="api_token.used", obj=token)
        token.last_used_at = now
    return token
