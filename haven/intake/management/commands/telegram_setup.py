from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.urls import reverse

from haven.intake.telegram import bot


class Command(BaseCommand):
    help = (
        "Register Haven's webhook with the Telegram bot (setWebhook with the secret), at "
        "HAVEN_BASE_URL or --base-url; prints the bot's username for HAVEN_TELEGRAM_BOT_USERNAME."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--base-url", default="", help="Haven's public address (https://...)")

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.HAVEN_TELEGRAM_BOT_TOKEN or not settings.HAVEN_TELEGRAM_WEBHOOK_SECRET:
            raise CommandError(
                "Set HAVEN_TELEGRAM_BOT_TOKEN and HAVEN_TELEGRAM_WEBHOOK_SECRET first (README)."
            )
        base = (options["base_url"] or settings.HAVEN_BASE_URL).rstrip("/")
        if not base:
            raise CommandError("Give --base-url or set HAVEN_BASE_URL.")
        url = base + reverse("telegram_webhook")
        try:
            me = bot.call("getMe")
            bot.call(
                "setWebhook",
                url=url,
                secret_token=settings.HAVEN_TELEGRAM_WEBHOOK_SECRET,
                allowed_updates=["message", "callback_query"],
                drop_pending_updates=False,
            )
        except bot.BotError as exc:
            raise CommandError(f"Telegram refused: {exc}") from None
        username = (me or {}).get("username", "")
        self.stdout.write(f"Webhook set to {url}")
        if username and username != settings.HAVEN_TELEGRAM_BOT_USERNAME.lstrip("@"):
            self.stdout.write(f"Set HAVEN_TELEGRAM_BOT_USERNAME={username} for the posters.")
