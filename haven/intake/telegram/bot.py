"""Bot API calls over httpx.

Direct calls rather than python-telegram-bot: the bot needs six methods, httpx is small and
synchronous (Django views run no asyncio loop), and pointing ``HAVEN_TELEGRAM_API_URL`` at a
local fake server (``fake``) is all tests and demos need. The token is part of every URL, so
no URL is ever logged; errors name the method only.
"""

from typing import Any

import httpx
from django.conf import settings

TIMEOUT = httpx.Timeout(10.0, connect=5.0)


class BotError(Exception):
    """The Bot API refused or could not be reached (the message names the method only)."""


def configured() -> bool:
    return bool(settings.HAVEN_TELEGRAM_BOT_TOKEN)


def _base() -> str:
    return settings.HAVEN_TELEGRAM_API_URL.rstrip("/")


def call(method: str, **params: Any) -> Any:
    """Call ``method`` with JSON ``params``; its ``result``, or ``BotError``."""
    if not configured():
        raise BotError(f"{method}: no bot token is set")
    url = f"{_base()}/bot{settings.HAVEN_TELEGRAM_BOT_TOKEN}/{method}"
    body = {k: v for k, v in params.items() if v is not None}
    try:
        response = httpx.post(url, json=body, timeout=TIMEOUT)
        data = response.json()
    except (httpx.HTTPError, ValueError) as exc:
        raise BotError(f"{method}: {type(exc).__name__}") from None
    if not isinstance(data, dict) or not data.get("ok"):
        description = str(data.get("description", "")) if isinstance(data, dict) else ""
        raise BotError(f"{method}: {response.status_code} {description}"[:200])
    return data.get("result")


def send_message(
    chat_id: int, text: str, keyboard: list[list[dict[str, str]]] | None = None
) -> Any:
    markup = {"inline_keyboard": keyboard} if keyboard else None
    return call("sendMessage", chat_id=chat_id, text=text[:4096], reply_markup=markup)


def download(file_id: str, limit: int) -> bytes:
    """The file's bytes (getFile, then the file address), at most ``limit`` of them."""
    found = call("getFile", file_id=file_id)
    path = found.get("file_path") if isinstance(found, dict) else None
    if not path:
        raise BotError("getFile: no file_path")
    url = f"{_base()}/file/bot{settings.HAVEN_TELEGRAM_BOT_TOKEN}/{path}"
    try:
        with httpx.stream("GET", url, timeout=TIMEOUT) as response:
            if response.status_code != 200:
                raise BotError(f"file: {response.status_code}")
            data = b""
            for chunk in response.iter_bytes():
                data += chunk
                if len(data) > limit:
                    break
    except httpx.HTTPError as exc:
        raise BotError(f"file: {type(exc).__name__}") from None
    return data
