"""Deep links behind the posters' second QR code: ``https://t.me/<bot>?start=<token>``.

The token is random (32 URL-safe characters; Telegram allows 64 of ``A-Za-z0-9_-``) and
maps to its school or class only here on the server, so the link says nothing about where
it hangs.
"""

import secrets

from django.conf import settings
from django.db import IntegrityError, transaction

from haven.intake.telegram.models import StartToken
from haven.orgs.models import OrgUnit

TOKEN_BYTES = 24  # 32 characters of base64url


def link_for(unit: OrgUnit) -> str | None:
    """The deep link of a school or class, made on first use; None while no bot is set up."""
    username = settings.HAVEN_TELEGRAM_BOT_USERNAME.lstrip("@")
    if not username or not settings.HAVEN_TELEGRAM_BOT_TOKEN:
        return None
    return f"https://t.me/{username}?start={token_for(unit)}"


def token_for(unit: OrgUnit) -> str:
    found = StartToken.objects.filter(unit=unit).values_list("token", flat=True).first()
    if found:
        return found
    try:
        with transaction.atomic():
            return StartToken.objects.create(
                unit=unit, token=secrets.token_urlsafe(TOKEN_BYTES)
            ).token
    except IntegrityError:  # made at the same moment by another request
        return StartToken.objects.get(unit=unit).token


def unit_for(token: str) -> OrgUnit | None:
    """The school or class a token names (None for an unknown or malformed token)."""
    token = token.strip()
    if not token or len(token) > 64:
        return None
    row = (
        StartToken.objects.select_related("unit__jurisdiction", "unit__parent__jurisdiction")
        .filter(token=token)
        .first()
    )
    return row.unit if row else None
