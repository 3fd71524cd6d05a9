"""Authenticated encryption for content at rest: master keys, data keys and stored values.

Envelope encryption: each school's content is sealed with its own data key (AES-256-GCM); data
keys are stored in the database only wrapped (sealed) by a master key, which lives in a file
outside the database (``HAVEN_MASTER_KEY_FILE``). A copy of the database alone reads nothing.

Model-free: the data keys' table and the model fields live in ``haven.security``.

Formats
- master key file: one key a line, ``<master id>:<base64 of 32 bytes>``; ``#`` starts a comment.
  ``HAVEN_MASTER_KEY_FILE`` may name several files separated by commas: the first key of the
  first file wraps new data keys, all the others still unwrap (rotation without downtime).
- stored text: ``hv1:<data key id>:<base64 of nonce + ciphertext>``.
- stored file: ``HVF1`` + one byte (key id length) + key id + nonce + ciphertext.
The additional data of every seal names the key and the place (table and column) the value
belongs to, so a value copied into another column or row of another school fails to open.
"""

import base64
import os
import secrets
import threading
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

TEXT_PREFIX = "hv1:"
FILE_MAGIC = b"HVF1"
NONCE_BYTES = 12
KEY_BYTES = 32


class CryptoError(Exception):
    """Content cannot be sealed or opened: a missing or wrong key, or damaged data.

    Its text is for the operator's log: it names keys and files, never content."""


@dataclass(frozen=True)
class MasterKey:
    id: str
    aead: AESGCM


def new_key() -> bytes:
    return AESGCM.generate_key(bit_length=KEY_BYTES * 8)


def new_id(prefix: str) -> str:
    return f"{prefix}{secrets.token_hex(6)}"


def master_key_line(key: bytes | None = None, key_id: str | None = None) -> str:
    return f"{key_id or new_id('m')}:{base64.b64encode(key or new_key()).decode()}\n"


def write_master_key_file(path: Path) -> None:
    """A new master key file readable by its owner only (0600), never overwriting one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as out:
        out.write(master_key_line())


def parse_master_keys(text: str, source: str) -> list[MasterKey]:
    keys = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        key_id, _sep, encoded = line.partition(":")
        try:
            key = base64.b64decode(encoded, validate=True)
        except ValueError:
            key = b""
        if not key_id or len(key) != KEY_BYTES:
            raise CryptoError(
                f"{source}, line {number}: a master key line is '<id>:<base64 of 32 bytes>'"
            )
        keys.append(MasterKey(key_id, AESGCM(key)))
    return keys


def key_files() -> list[Path]:
    configured = str(getattr(settings, "HAVEN_MASTER_KEY_FILE", "") or "")
    return [Path(p.strip()) for p in configured.split(",") if p.strip()]


_lock = threading.Lock()
_loaded: dict[tuple[str, ...], list[MasterKey]] = {}


def master_keys() -> list[MasterKey]:
    """The configured master keys, the active one first (read once per process and file list).

    In development (``HAVEN_MASTER_KEY_GENERATE``, on with DEBUG) a missing file is created."""
    files = key_files()
    if not files:
        raise CryptoError(
            "No master key: set HAVEN_MASTER_KEY_FILE to a file made with "
            "'manage.py keys_rotate --new-master-key-file PATH' (see README, Data protection)"
        )
    cache_key = tuple(str(p) for p in files)
    found = _loaded.get(cache_key)
    if found is not None:
        return found
    with _lock:
        keys: list[MasterKey] = []
        for path in files:
            if not path.exists() and getattr(settings, "HAVEN_MASTER_KEY_GENERATE", False):
                try:
                    write_master_key_file(path)
                except FileExistsError:
                    pass  # another process made it first
            try:
                text = path.read_text(encoding="ascii")
            except OSError as exc:
                raise CryptoError(f"Cannot read the master key file {path}: {exc}") from exc
            keys.extend(parse_master_keys(text, str(path)))
        if not keys:
            raise CryptoError(f"No master key in {', '.join(cache_key)}")
        _loaded[cache_key] = keys
        return keys


def forget_master_keys() -> None:
    with _lock:
        _loaded.clear()


def master_key(master_id: str) -> MasterKey | None:
    return next((k for k in master_keys() if k.id == master_id), None)


def _wrap_aad(key_id: str, unit_id: int, master_id: str) -> bytes:
    return f"haven-data-key:{key_id}:{unit_id}:{master_id}".encode()


def wrap(master: MasterKey, key_id: str, unit_id: int, key: bytes) -> str:
    nonce = os.urandom(NONCE_BYTES)
    sealed = master.aead.encrypt(nonce, key, _wrap_aad(key_id, unit_id, master.id))
    return base64.b64encode(nonce + sealed).decode()


def unwrap(master: MasterKey, key_id: str, unit_id: int, wrapped: str) -> bytes:
    raw = base64.b64decode(wrapped)
    try:
        return master.aead.decrypt(
            raw[:NONCE_BYTES], raw[NONCE_BYTES:], _wrap_aad(key_id, unit_id, master.id)
        )
    except InvalidTag as exc:
        raise CryptoError(
            f"The master key {master.id} does not open data key {key_id}: the key file "
            "holds a different key under that id (a wrong or damaged HAVEN_MASTER_KEY_FILE)"
        ) from exc


def _aad(key_id: str, place: str) -> bytes:
    return f"{key_id}:{place}".encode()


def seal_text(aead: AESGCM, key_id: str, place: str, plain: str) -> str:
    nonce = os.urandom(NONCE_BYTES)
    sealed = aead.encrypt(nonce, plain.encode(), _aad(key_id, place))
    return f"{TEXT_PREFIX}{key_id}:{base64.b64encode(nonce + sealed).decode()}"


def text_key_id(stored: str) -> str | None:
    """The data key id of a sealed value; None for a plain (legacy) one."""
    if not stored.startswith(TEXT_PREFIX):
        return None
    return stored[len(TEXT_PREFIX) :].partition(":")[0]


def open_text(aead: AESGCM, stored: str, place: str) -> str:
    key_id, _sep, body = stored[len(TEXT_PREFIX) :].partition(":")
    raw = base64.b64decode(body)
    try:
        plain = aead.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], _aad(key_id, place))
    except InvalidTag as exc:
        raise CryptoError(f"A value of {place} under key {key_id} fails its check") from exc
    return plain.decode()


def seal_bytes(aead: AESGCM, key_id: str, place: str, plain: bytes) -> bytes:
    nonce = os.urandom(NONCE_BYTES)
    head = FILE_MAGIC + bytes([len(key_id)]) + key_id.encode()
    return head + nonce + aead.encrypt(nonce, plain, _aad(key_id, place))


def bytes_key_id(stored: bytes) -> str | None:
    if not stored.startswith(FILE_MAGIC) or len(stored) < len(FILE_MAGIC) + 1:
        return None
    length = stored[len(FILE_MAGIC)]
    return stored[len(FILE_MAGIC) + 1 : len(FILE_MAGIC) + 1 + length].decode()


def open_bytes(aead: AESGCM, stored: bytes, place: str) -> bytes:
    key_id = bytes_key_id(stored)
    if key_id is None:
        return stored
    start = len(FILE_MAGIC) + 1 + len(key_id)
    nonce, body = stored[start : start + NONCE_BYTES], stored[start + NONCE_BYTES :]
    try:
        return aead.decrypt(nonce, body, _aad(key_id, place))
    except InvalidTag as exc:
        raise CryptoError(f"A file of {place} under key {key_id} fails its check") from exc
