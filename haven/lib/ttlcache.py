"""A tiny per-process cache with expiry, for read-mostly data on hot public routes.

Each app process keeps its own copy for a few seconds; nothing is shared, so scaling out
stays stateless. Use only where a short staleness is harmless (a new school's code, a renamed
place).
"""

import threading
import time
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

T = TypeVar("T")

_lock = threading.Lock()
_store: dict[Hashable, tuple[float, Any]] = {}


def cached(key: Hashable, seconds: float, compute: Callable[[], T]) -> T:
    now = time.monotonic()
    hit = _store.get(key)
    if hit is not None and hit[0] > now:
        found: T = hit[1]
        return found
    value = compute()
    if value is None:
        return value  # None: an unknown key may exist a moment later: never cache absence
    with _lock:
        if len(_store) > 10_000:
            _store.clear()
        _store[key] = (now + seconds, value)
    return value


def clear() -> None:
    with _lock:
        _store.clear()
