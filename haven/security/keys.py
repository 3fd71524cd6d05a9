"""Data keys: one per school (or per unit a report is made to), wrapped by the master keys.

Unwrapped keys are kept in process memory for a few minutes so that sealing and opening a value
costs no query. The key a unit seals with is cached only once the transaction that made it has
committed: a key rolled back with its transaction must never seal anything afterwards.
"""

import threading
import time
from functools import partial

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.db import IntegrityError, connection, transaction

from haven.lib import crypto
from haven.security.models import DataKey

OPEN_SECONDS = 300  # a key id always names the same key: only memory use limits this
SEAL_SECONDS = 120  # after a school's key is replaced, other processes switch within this

_lock = threading.Lock()
_by_id: dict[str, tuple[float, AESGCM]] = {}
_by_unit: dict[int, tuple[float, str, AESGCM]] = {}


def forget() -> None:
    """Drop every cached key (tests; after a rotation in this process)."""
    with _lock:
        _by_id.clear()
        _by_unit.clear()
    crypto.forget_master_keys()


def _unwrap(row: DataKey) -> AESGCM:
    master = crypto.master_key(row.master_id)
    if master is None:  # pragma: no cover - callers pick rows of loaded master keys
        raise crypto.CryptoError(f"Master key {row.master_id} is not loaded")
    return AESGCM(crypto.unwrap(master, row.key_id, row.unit_id, row.wrapped))


def _loaded_row(rows: list[DataKey], what: str) -> DataKey:
    loaded = [k.id for k in crypto.master_keys()]
    usable = sorted(
        (r for r in rows if r.master_id in loaded), key=lambda r: loaded.index(r.master_id)
    )
    if not usable:
        masters = ", ".join(sorted({r.master_id for r in rows})) or "none"
        raise crypto.CryptoError(
            f"{what} is wrapped under master key(s) {masters}, but HAVEN_MASTER_KEY_FILE holds "
            f"{', '.join(loaded)}: configure the key file this database was made with"
        )
    return usable[0]


def key_by_id(key_id: str) -> AESGCM:
    """The data key that opens values sealed under ``key_id``."""
    now = time.monotonic()
    hit = _by_id.get(key_id)
    if hit is not None and hit[0] > now:
        return hit[1]
    rows = list(DataKey.objects.filter(key_id=key_id))
    if not rows:
        raise crypto.CryptoError(f"Data key {key_id} is not in the database (deleted?)")
    aead = _unwrap(_loaded_row(rows, f"Data key {key_id}"))
    with _lock:
        if len(_by_id) > 10_000:
            _by_id.clear()
        _by_id[key_id] = (now + OPEN_SECONDS, aead)
    return aead


def _remember(unit_id: int, key_id: str, aead: AESGCM) -> None:
    with _lock:
        if len(_by_unit) > 10_000:
            _by_unit.clear()
        _by_unit[unit_id] = (time.monotonic() + SEAL_SECONDS, key_id, aead)


def _remember_after_commit(unit_id: int, key_id: str, aead: AESGCM) -> None:
    """Cache for every thread once committed; until then for this transaction only."""
    callback = partial(_remember, unit_id, key_id, aead)
    transaction.on_commit(callback)
    if connection.in_atomic_block:
        pending = connection.__dict__.setdefault("haven_pending_keys", {})
        pending[unit_id] = (callback, key_id, aead)


def _pending(unit_id: int) -> tuple[str, AESGCM] | None:
    """A key this transaction found or made, while that is still certain: its commit
    callback is still queued, which Django undoes with the (savepoint's) rollback."""
    found = connection.__dict__.get("haven_pending_keys", {}).get(unit_id)
    if found is None or not connection.in_atomic_block:
        return None
    callback, key_id, aead = found
    if not any(queued[1] is callback for queued in connection.run_on_commit):
        return None
    return key_id, aead


def key_for_unit(unit_id: int) -> tuple[str, AESGCM]:
    """The key new content of ``unit_id`` is sealed with, made at first use."""
    hit = _by_unit.get(unit_id)
    if hit is not None and hit[0] > time.monotonic():
        return hit[1], hit[2]
    pending = _pending(unit_id)
    if pending is not None:
        return pending
    rows = list(DataKey.objects.filter(unit_id=unit_id, retired__isnull=True))
    if rows:
        row = _loaded_row(rows, f"The data key of unit {unit_id}")
        aead = _unwrap(row)
        _by_id[row.key_id] = (time.monotonic() + OPEN_SECONDS, aead)
        # Committed rows only: the caller's transaction may be the one that made it.
        _remember_after_commit(unit_id, row.key_id, aead)
        return row.key_id, aead
    return _create(unit_id)


def _create(unit_id: int) -> tuple[str, AESGCM]:
    key, key_id = crypto.new_key(), crypto.new_id("k")
    try:
        with transaction.atomic():
            # Wrapped under every loaded master key: a rotation under way misses none.
            for master in crypto.master_keys():
                DataKey.objects.create(
                    key_id=key_id,
                    unit_id=unit_id,
                    master_id=master.id,
                    wrapped=crypto.wrap(master, key_id, unit_id, key),
                )
    except IntegrityError:
        # Another process made this unit's key at the same moment: use theirs.
        row = _loaded_row(
            list(DataKey.objects.filter(unit_id=unit_id, retired__isnull=True)),
            f"The data key of unit {unit_id}",
        )
        return row.key_id, _unwrap(row)
    aead = AESGCM(key)
    _by_id[key_id] = (time.monotonic() + OPEN_SECONDS, aead)
    _remember_after_commit(unit_id, key_id, aead)
    return key_id, aead
