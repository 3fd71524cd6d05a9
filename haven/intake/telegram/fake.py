"""A fake Bot API server for tests and demos (``manage.py telegram_fake``).

It answers the methods the bot calls (``sendMessage``, ``answerCallbackQuery``,
``editMessageReplyMarkup``, ``getFile``, ``getMe``, ``setWebhook``...) and records each call,
serves the files put in ``files``, and plays a Telegram user for demos: ``POST /_user/say``
with ``{"chat": 1, "text": "/start <token>"}`` (or ``"button": "<callback data>"``,
``"photo": "<file id>"`` or ``"voice": "<file id>"``) sends the update to the webhook
``setWebhook`` registered, with its secret. ``GET /_calls`` lists what the bot sent. Standard
library (and Pillow for the demo photo, ``lib/ogg`` for the demo voice message) only; not for
production.
"""

import io
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.request import Request, urlopen


def demo_jpeg() -> bytes:
    """A small photo with EXIF data (a camera make), as a phone would send: what the demo
    user sends, and what tests check is cleaned."""
    from PIL import Image

    image = Image.new("RGB", (8, 8), "white")
    exif = Image.Exif()
    exif[0x010F] = "DemoCam"  # Make
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def demo_voice() -> bytes:
    """Half a second of silence as Ogg Opus with the recording phone's name in its comment
    header, as a voice message arrives: what the demo user sends, cleaned on arrival."""
    import struct

    from haven.lib import ogg

    serial = 0x0D3E
    head = b"OpusHead" + bytes([1, 1]) + struct.pack("<HIhB", 312, 48000, 0, 0)
    comment = b"ENCODER=DemoPhone voice recorder"
    vendor = b"libopus"
    tags = b"OpusTags" + struct.pack("<I", len(vendor)) + vendor + struct.pack("<I", 1)
    tags += struct.pack("<I", len(comment)) + comment
    packets = [(head, ogg.FIRST, 0), (tags, 0, 0)]
    packets += [(b"\xf8\xff\xfe", 0, 312 + 960 * (n + 1)) for n in range(25)]
    pages = [
        ogg.Page(flags, granule, serial, number, bytes([len(data)]), data)
        for number, (data, flags, granule) in enumerate(packets)
    ]
    pages[-1].flags |= ogg.LAST
    return b"".join(page.encode(page.sequence) for page in pages)


@dataclass
class FakeTelegram:
    """The server's state: calls received, files to serve, the registered webhook."""

    token: str = "123:fake"  # noqa: S105 (the fake accepts this made-up token)
    username: str = "haven_fake_bot"
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    files: dict[str, bytes] = field(default_factory=dict)
    webhook: dict[str, Any] = field(default_factory=dict)
    fail: set[str] = field(default_factory=set)  # methods that answer an error
    languages: dict[int, str] = field(default_factory=dict)  # each demo user's app language
    next_message_id: int = 100
    next_update_id: int = 1000
    lock: threading.Lock = field(default_factory=threading.Lock)

    def sent(self, method: str = "sendMessage") -> list[dict[str, Any]]:
        return [params for name, params in self.calls if name == method]

    def texts(self, chat_id: int | None = None) -> list[str]:
        return [
            str(p.get("text", ""))
            for p in self.sent()
            if chat_id is None or int(p.get("chat_id", 0)) == chat_id
        ]

    def answer(self, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        with self.lock:
            self.calls.append((method, params))
            if method in self.fail:
                return 502, {"ok": False, "error_code": 502, "description": "Bad Gateway"}
            if method == "sendMessage":
                self.next_message_id += 1
                result: Any = {
                    "message_id": self.next_message_id,
                    "chat": {"id": params.get("chat_id"), "type": "private"},
                    "text": params.get("text", ""),
                }
            elif method == "getFile":
                file_id = str(params.get("file_id", ""))
                if file_id not in self.files:
                    return 400, {"ok": False, "error_code": 400, "description": "file not found"}
                result = {"file_id": file_id, "file_path": f"files/{file_id}"}
            elif method == "getMe":
                result = {"id": 123, "is_bot": True, "username": self.username}
            elif method == "setWebhook":
                self.webhook = dict(params)
                result = True
            else:
                result = True
        return 200, {"ok": True, "result": result}

    # The demo user -------------------------------------------------------------------

    def update(self, chat: int, **what: Any) -> dict[str, Any]:
        """An update from user ``chat``: ``text``, ``button`` (callback data), or a file id as
        ``photo`` (with ``text`` as its caption), ``voice`` or ``document``."""
        with self.lock:
            self.next_update_id += 1
            update_id = self.next_update_id
            self.next_message_id += 1
            message_id = self.next_message_id
        user = {"id": chat, "is_bot": False, "first_name": "Demo"}
        # Telegram sends the app's language with every update: the first one given is kept.
        if what.get("language"):
            self.languages[chat] = what["language"]
        language = self.languages.get(chat)
        if language:
            user["language_code"] = language
        message: dict[str, Any] = {
            "message_id": message_id,
            "date": 0,
            "chat": {"id": chat, "type": "private"},
            "from": user,
        }
        if "button" in what:
            query = {"id": str(update_id), "from": user, "message": message, "data": what["button"]}
            return {"update_id": update_id, "callback_query": query}
        if "photo" in what:
            file_id = what["photo"]
            self.files.setdefault(file_id, demo_jpeg())
            size = len(self.files[file_id])
            message["photo"] = [{"file_id": file_id, "file_unique_id": file_id, "file_size": size}]
            if what.get("text"):
                message["caption"] = what["text"]
        elif "voice" in what or "document" in what:
            kind = "voice" if "voice" in what else "document"
            file_id = what[kind]
            if kind == "voice":
                self.files.setdefault(file_id, demo_voice())
            size = len(self.files.get(file_id, b""))
            message[kind] = {"file_id": file_id, "file_unique_id": file_id, "file_size": size}
        else:
            message["text"] = what.get("text", "")
        return {"update_id": update_id, "message": message}

    def deliver(self, update: dict[str, Any]) -> int:
        """Post ``update`` to the registered webhook with its secret; the HTTP status."""
        url = self.webhook.get("url")
        if not url:
            raise LookupError("no webhook: run manage.py telegram_setup first")
        request = Request(  # noqa: S310 (the address setWebhook registered)
            url,
            data=json.dumps(update).encode(),
            headers={
                "Content-Type": "application/json",
                "X-Telegram-Bot-Api-Secret-Token": str(self.webhook.get("secret_token", "")),
            },
        )
        with urlopen(request, timeout=30) as response:  # noqa: S310
            return int(response.status)


def _handler(state: FakeTelegram) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass  # quiet: tests read ``calls``

        def _json(self, status: int, body: Any) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _body(self) -> dict[str, Any]:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            try:
                parsed = json.loads(raw or b"{}")
            except ValueError:
                return {}
            return parsed if isinstance(parsed, dict) else {}

        def _method(self) -> str | None:
            prefix = f"/bot{state.token}/"
            return self.path[len(prefix) :].split("?")[0] if self.path.startswith(prefix) else None

        def do_POST(self) -> None:
            if self.path == "/_user/say":
                what = self._body()
                chat = int(what.pop("chat", 1))
                try:
                    status = state.deliver(state.update(chat, **what))
                except (LookupError, OSError) as exc:
                    self._json(502, {"ok": False, "description": str(exc)})
                    return
                self._json(200, {"ok": True, "webhook_status": status})
                return
            method = self._method()
            if method is None:
                self._json(404, {"ok": False, "error_code": 404, "description": "Not Found"})
                return
            self._json(*state.answer(method, self._body()))

        def do_GET(self) -> None:
            if self.path == "/_calls":
                self._json(200, [{"method": m, "params": p} for m, p in state.calls])
                return
            prefix = f"/file/bot{state.token}/files/"
            if self.path.startswith(prefix) and self.path[len(prefix) :] in state.files:
                data = state.files[self.path[len(prefix) :]]
                self.send_response(200)
                self.send_header("Content-Type", "application/octet-stream")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                return
            method = self._method()
            if method is None:
                self._json(404, {"ok": False, "error_code": 404, "description": "Not Found"})
                return
            self._json(*state.answer(method, {}))

    return Handler


def serve(state: FakeTelegram, host: str = "127.0.0.1", port: int = 0) -> ThreadingHTTPServer:
    """Start the server in a thread; its address is ``server.server_address``. Stop it with
    ``server.shutdown()``."""
    server = ThreadingHTTPServer((host, port), _handler(state))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server
