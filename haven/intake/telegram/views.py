"""The webhook Telegram posts updates to: ``POST /telegram/webhook/``.

Telegram signs nothing: it sends back the secret given to ``setWebhook`` in a header, so a
request without it (or with another) is refused with 403 before anything is read. A
repeated ``update_id`` (Telegram re-sends what it thinks was lost) is answered and dropped.
Files are downloaded first (``conversation.prefetch``), so no download holds the database's
write lock; the update is then handled in one transaction, and its answers are sent once that
has committed.
Nothing about the sender (address, chat id) is logged.
"""

import hmac
import logging

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from pydantic import ValidationError

from haven.intake.telegram import bot, conversation
from haven.intake.telegram.models import Update
from haven.intake.telegram.updates import TgUpdate

logger = logging.getLogger(__name__)


def _secret_ok(request: HttpRequest) -> bool:
    expected = settings.HAVEN_TELEGRAM_WEBHOOK_SECRET
    given = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
    # Constant time; an unset secret accepts nothing.
    return bool(expected) and hmac.compare_digest(given.encode(), expected.encode())


@csrf_exempt
@require_POST
def webhook(request: HttpRequest) -> HttpResponse:
    if not _secret_ok(request):
        return HttpResponseForbidden()
    try:
        update = TgUpdate.model_validate_json(request.body)
    except ValidationError:
        return JsonResponse({"ok": False}, status=400)
    if Update.objects.filter(update_id=update.update_id).exists():
        return JsonResponse({"ok": True})  # seen before: already answered
    fetched = conversation.prefetch(update)
    with transaction.atomic():
        try:
            with transaction.atomic():
                Update.objects.create(update_id=update.update_id)
        except IntegrityError:
            return JsonResponse({"ok": True})  # seen before: already answered
        # An error here undoes the update's row too, so Telegram's retry is handled.
        turn = conversation.handle(update, fetched)
    for call in turn.calls if turn else []:
        try:
            bot.call(call.method, **call.params)
        except bot.BotError as exc:
            # The person sees no answer and writes again; the report (if any) is stored.
            logger.warning("telegram: %s", exc)
    return JsonResponse({"ok": True})
