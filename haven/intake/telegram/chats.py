"""The one place a Telegram chat id is handled at rest.

A chat id names a person (Telegram's user id, for a private chat), so it is stored only as a
keyed hash (HMAC-SHA-256, ``HAVEN_TELEGRAM_CHAT_KEY``) to find a chat again, and as a sealed
copy beside its report to send the school's answers. Every read and write of ``chat_sealed``
is in this module, so sealing it (the encrypted field of ``haven.lib.crypto``) changes one
field and nothing else. No chat id is ever logged.
"""

import hashlib
import hmac

from django.conf import settings

from haven.intake.models import Report
from haven.intake.telegram.models import ReportChat


def chat_hash(chat_id: int) -> str:
    key = settings.HAVEN_TELEGRAM_CHAT_KEY.encode()
    return hmac.new(key, str(chat_id).encode(), hashlib.sha256).hexdigest()


def report_chat_set(*, report: Report, chat_id: int) -> ReportChat:
    """Remember that ``report`` came from ``chat_id`` (inside the caller's transaction)."""
    return ReportChat.objects.create(
        report=report, chat_hash=chat_hash(chat_id), chat_sealed=str(chat_id)
    )


def report_chat_get(report_id: int) -> ReportChat | None:
    return ReportChat.objects.filter(report_id=report_id).first()


def chat_id_of(link: ReportChat) -> int:
    """The chat to send to (only for sending: never shown, never logged)."""
    return int(link.chat_sealed)
