import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from haven.intake.telegram.fake import FakeTelegram, serve


class Command(BaseCommand):
    help = (
        "Run a fake Telegram Bot API server for demos (point HAVEN_TELEGRAM_API_URL at it). "
        'Play a user with: curl -d \'{"chat": 1, "text": "/start <token>"}\' '
        "http://127.0.0.1:8081/_user/say ; see what the bot sent at /_calls."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=8081)
        parser.add_argument("--token", default="123:fake", help="the bot token it accepts")
        parser.add_argument("--username", default="haven_fake_bot")

    def handle(self, *args: Any, **options: Any) -> None:
        state = FakeTelegram(token=options["token"], username=options["username"])
        server = serve(state, port=options["port"])
        host, port = server.server_address[:2]
        self.stdout.write(
            f"Fake Bot API on http://{host!s}:{port}: set HAVEN_TELEGRAM_API_URL to it, "
            f"HAVEN_TELEGRAM_BOT_TOKEN={state.token}, HAVEN_TELEGRAM_BOT_USERNAME="
            f"{state.username}, then run manage.py telegram_setup."
        )
        seen = 0
        try:
            while True:
                time.sleep(0.5)
                for method, params in state.calls[seen:]:
                    if method == "sendMessage":
                        self.stdout.write(f"→ chat {params.get('chat_id')}: {params.get('text')}")
                seen = len(state.calls)
        except KeyboardInterrupt:
            server.shutdown()
