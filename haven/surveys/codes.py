"""One-time answer codes: 12 Crockford base-32 characters (60 bits), shown as ABCD-EFGH-JKMN.

Only a keyed hash (HMAC-SHA-256 with the receipt key) is stored, and a code is looked up by
that hash: a stolen database lets nobody answer, and a code cannot be guessed (the code form
is throttled too). Codes carry nothing about a pupil.
"""

import hashlib
import hmac
import secrets

from django.conf import settings

from haven.intake.receipts import ALPHABET, CONFUSABLE

LENGTH = 12
GROUP = 4


def generate() -> str:
    raw = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
    return "-".join(raw[i : i + GROUP] for i in range(0, LENGTH, GROUP))


def normalise(text: str) -> str | None:
    """The code in ``text`` however it was typed (case, spaces, dashes), or None."""
    cleaned = "".join(ch for ch in text.upper() if ch.isalnum()).translate(CONFUSABLE)
    if len(cleaned) != LENGTH or any(ch not in ALPHABET for ch in cleaned):
        return None
    return cleaned


def code_hash(text: str) -> str | None:
    cleaned = normalise(text)
    if cleaned is None:
        return None
    key = ("survey-codes:" + settings.HAVEN_RECEIPT_KEY).encode()
    return hmac.new(key, cleaned.encode(), hashlib.sha256).hexdigest()
