"""Receipts: how an anonymous reporter finds their report again.

A receipt is 28 Crockford base-32 characters, shown in groups of four. The first 8 (40 bits)
are a lookup id stored in clear; the other 20 (100 bits of randomness) are the secret, of
which only a keyed hash (HMAC-SHA-256) is stored. A stolen database therefore lets nobody
follow up on a report, and a receipt cannot be guessed.
"""

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from django.conf import settings

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford: no I, L, O, U
LOOKUP_LENGTH = 8
SECRET_LENGTH = 20
LENGTH = LOOKUP_LENGTH + SECRET_LENGTH
GROUP = 4
# Characters people mistype for others when copying by hand.
CONFUSABLE = str.maketrans({"O": "0", "I": "1", "L": "1"})


@dataclass(frozen=True)
class Receipt:
    lookup: str
    secret: str

    def __str__(self) -> str:
        raw = self.lookup + self.secret
        return "-".join(raw[i : i + GROUP] for i in range(0, LENGTH, GROUP))

    @property
    def secret_hash(self) -> str:
        return hash_secret(self.secret)


# Each random byte's low 5 bits as a letter: 256 byte values, 8 for each of the 32 letters, so
# every letter is equally likely (5 random bits a character).
_BYTE_TO_LETTER = bytes(ord(ALPHABET[b % len(ALPHABET)]) for b in range(256))


def _random(length: int) -> str:
    """``length`` characters, 5 random bits each, in two calls into C: this runs on every
    public report (a loop of ``secrets.choice``, or ``base64.b32encode``, is Python)."""
    return secrets.token_bytes(length).translate(_BYTE_TO_LETTER).decode("ascii")


def generate() -> Receipt:
    return Receipt(lookup=_random(LOOKUP_LENGTH), secret=_random(SECRET_LENGTH))


def hash_secret(secret: str) -> str:
    key = settings.HAVEN_RECEIPT_KEY.encode()
    return hmac.new(key, secret.encode(), hashlib.sha256).hexdigest()


def parse(text: str) -> Receipt | None:
    """The receipt in ``text`` however it was copied (case, spaces, dashes), or None."""
    cleaned = "".join(ch for ch in text.upper() if ch.isalnum()).translate(CONFUSABLE)
    if len(cleaned) != LENGTH or any(ch not in ALPHABET for ch in cleaned):
        return None
    return Receipt(lookup=cleaned[:LOOKUP_LENGTH], secret=cleaned[LOOKUP_LENGTH:])


def matches(receipt: Receipt, stored_hash: str) -> bool:
    return hmac.compare_digest(receipt.secret_hash, stored_hash)
