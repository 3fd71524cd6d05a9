"""Data keys: one per school (or per unit a report is made to), wrapped by the master keys.

Unwrapped keys are kept in process memory for a few minutes so that sealing and opening a value
costs no query. The key a unit seals with is cached only once the transaction that made it has
committed: a key rolled back with its transaction must never seal anything afterwards.

A country's reports spread over thousands of schools, so a process asked for one school's key
at a time would mostly not have it: under load, that query (about 0.45 ms of the process's CPU)
came with one report in seven in ``bench/intake.py``, and with every report at the start. So the
keys in use are read all at once, still wrapped, at most once per ``SEAL_SECONDS``
(``_wraps``), and each is unwrapped at its first use.
"""

import threading
import time
from functools import partial
from typing import NamedTuple, TypeVar

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.db import IntegrityError, connection, transaction

from haven.lib import crypto
from haven.security.models import DataKey

OPEN_SECONDS = 300  # a key id always names the same key: only memory use limits this
SEAL_SECONDS = 120  # after a school's key is replaced, other processes switch within this

_lock = threading.Lock()
_by_id: dict[str, tuple[float, AESGCM]] = {}
_by_unit: dict[int, tuple[float, str, AESGCM]] = {}


class Wrap(NamedTuple):
    """A data key's row, as much of it as opening needs (50,000 schools' keys stay small)."""

    key_id: str
    unit_id: int
    master_id: str
    wrapped: str


Row = TypeVar("Row", DataKey, Wrap)

# Every unit's keys in use, wrapped, and until when they may seal: (until, {unit: wraps}).
_in_use: tuple[float, dict[int, list[Wrap]]] = (0.0, {})


def forget() -> None:
    """Drop every cached key (tests; after a rotation in this process)."""
    with _lock:
        _by_id.clear()
        _by_unit.clear()
    global _in_use
    _in_use = (0.0, {})
    crypto.forget_master_keys()


def _unwrap(row: DataKey | Wrap) -> AESGCM:
    master = crypto.master_key(row.master_id)
    if master is None:  # pragma: no cover - callers pick rows of loaded master keys
        raise crypto.CryptoError(f"Master key {row.master_id} is not loaded")
    return AESGCM(crypto.unwrap(master, row.key_id, row.unit_id, row.wrapped))


def _loaded_row(rows: list[Row], what: str) -> Row:
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


def _remember(unit_id: int, key_id: str, aead: AESGCM, until: float = 0.0) -> None:
    """``until``: when the list it came from expires (0: SEAL_SECONDS from now)."""
    with _lock:
        if len(_by_unit) > 100_000:
            _by_unit.clear()
        _by_unit[unit_id] = (until or time.monotonic() + SEAL_SECONDS, key_id, aead)


def _remember_after_commit(unit_id: int, key_id: str, aead: AESGCM, until: float = 0.0) -> None:
    """Cache for every thread once committed; until then for this transaction only."""
    callback = partial(_remember, unit_id, key_id, aead, until)
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
    what = f"The data key of unit {unit_id}"
    until, in_use = _wraps()
    listed = in_use.get(unit_id)
    if listed:
        row: DataKey | Wrap = _loaded_row(listed, what)
    else:  # a unit whose key is newer than the list, or that has none yet
        rows = list(DataKey.objects.filter(unit_id=unit_id, retired__isnull=True))
        if not rows:
            return _create(unit_id)
        row, until = _loaded_row(rows, what), 0.0
    aead = _unwrap(row)
    _by_id[row.key_id] = (time.monotonic() + OPEN_SECONDS, aead)
    # Committed rows only: the caller's transaction may be the one that made it.
    _remember_after_commit(unit_id, row.key_id, aead, until)
    return row.key_id, aead


def _wraps() -> tuple[float, dict[int, list[Wrap]]]:
    """Every unit's keys in use, wrapped, read in one query at most once per SEAL_SECONDS.

    Read only outside a transaction, where every row is committed; inside one, a list read
    before serves while it lasts. A unit's key replaced meanwhile (``keys_rotate``) is taken
    up when the list is read again: within SEAL_SECONDS, as with one key at a time.
    """
    global _in_use
    now = time.monotonic()
    if _in_use[0] > now or connection.in_atomic_block:
        return _in_use if _in_use[0] > now else (0.0, {})
    found: dict[int, list[Wrap]] = {}
    fields = ("key_id", "unit_id", "master_id", "wrapped")
    for values in DataKey.objects.filter(retired__isnull=True).values_list(*fields):
        found.setdefault(values[1], []).append(Wrap(*values))
    _in_use = (now + SEAL_SECONDS, found)
    return _in_use


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
