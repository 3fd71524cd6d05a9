"""Rate limits shared by all app processes: fixed windows counted in the database."""

import datetime as dt
import hashlib
import hmac

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from haven.security.models import ThrottleWindow


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
