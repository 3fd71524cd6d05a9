"""The Telegram channel, end to end: updates posted to the webhook as Telegram would, the
bot's answers recorded by a fake Bot API server running in the test."""

import datetime as dt
import io
import json
import logging
import re

import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from haven.intake.models import Channel, Report, ReportAttachment, ReportMessage, Sender
from haven.intake.posters import poster_html
from haven.intake.telegram import chats, links
from haven.intake.telegram.clock import telegram_sweep
from haven.intake.telegram.fake import FakeTelegram, serve
from haven.intake.telegram.models import Chat, Outgoing, ReportChat, Update
from haven.intake.tests.helpers import jpeg_with_gps, opus_voice

SECRET = "s3cret_token-for-tests"
RECEIPT = re.compile(r"[0-9A-Z]{4}(?:-[0-9A-Z]{4}){6}")
CHAT = 987654321


@pytest.fixture
def fake(settings):
    state = FakeTelegram()
    server = serve(state)
    host, port = server.server_address[:2]
    settings.HAVEN_TELEGRAM_API_URL = f"http://{host!s}:{port}"
    settings.HAVEN_TELEGRAM_BOT_TOKEN = state.token
    settings.HAVEN_TELEGRAM_WEBHOOK_SECRET = SECRET
    settings.HAVEN_TELEGRAM_BOT_USERNAME = state.username
    yield state
    server.shutdown()
    server.server_close()


def post(client, update, secret: str | None = SECRET):
    headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret is not None else {}
    return client.post(
        "/telegram/webhook/",
        data=json.dumps(update),
        content_type="application/json",
        headers=headers,
    )


@pytest.fixture
def say(client, fake, django_capture_on_commit_callbacks):
    """Send what a user does in the chat; the texts the bot answered with."""

    def send(chat: int = CHAT, **what):
        before = len(fake.texts(chat))
        with django_capture_on_commit_callbacks(execute=True):
            response = post(client, fake.update(chat, **what))
        assert response.status_code == 200
        return fake.texts(chat)[before:]

    return send


def start(say, unit, language="en", chat=CHAT):
    return say(chat, text=f"/start {links.token_for(unit)}", language=language)


def test_whole_conversation_makes_a_report_with_its_receipt_and_photo(client, tree, fake, say):
    answers = start(say, tree.class_a)
    assert answers[0].startswith("In danger right now?")
    assert "112" in answers[0]  # the jurisdiction's numbers, before anything is asked
    assert "Unit SCH-A · Unit 5A" in answers[1]
    assert answers[-1].startswith("What happened?")

    assert "What kind of harm" in say(text="Two boys from 7B push me every break.")[0]
    say(button="h:physical")
    say(button="h:verbal")
    say(button="h:physical")  # pressed again: taken back
    edits = fake.sent("editMessageReplyMarkup")
    assert len(edits) == 3
    marked = [b["text"] for row in edits[1]["reply_markup"]["inline_keyboard"] for b in row]
    assert sum(text.startswith("✓ ") for text in marked) == 2
    assert say(button="h:done")[0] == "Where did it happen?"
    assert say(button="p:corridor")[0] == "Who is affected?"
    assert say(button="a:me")[0] == "Who is reporting?"
    assert "photos" in say(button="r:pupil")[0]

    fake.files["photo-1"] = jpeg_with_gps()
    assert say(photo="photo-1")[0].startswith("Received (1)")
    fake.files["voice-1"] = opus_voice({"ARTIST": "Ana Popescu", "LOCATION": "44.43,26.10"})
    assert say(voice="voice-1")[0].startswith("Received (2)")
    summary = say(button="f:done")[0]
    assert "Two boys from 7B push me every break." in summary
    assert "Name-calling, insults, mocking" not in summary  # taken back above
    assert "Kinds of harm: name-calling, insults, mocking" in summary
    assert "Files: 2" in summary
    assert len(fake.sent("answerCallbackQuery")) == 8  # every button press is answered

    receipt_message = say(button="c:send")[-1]
    report = Report.objects.get()
    assert report.channel == Channel.CHAT_BOT
    assert report.school == tree.school_a and report.class_unit == tree.class_a
    assert report.harms == ["verbal"] and report.place == "corridor"
    assert (report.affected, report.reporter_role, report.entered_by) == ("me", "pupil", None)
    voice, photo = ReportAttachment.objects.filter(report=report).order_by("content_type")
    assert (voice.content_type, photo.content_type) == ("audio/ogg", "image/jpeg")
    with Image.open(photo.file) as image:
        assert not image.getexif()  # the phone's make, model and position are gone
    with voice.file.open("rb") as handle:
        sound = handle.read()
    assert sound.startswith(b"OggS") and b"Ana Popescu" not in sound and b"44.43" not in sound

    # The same receipt works on the web follow-up page.
    receipt = RECEIPT.search(receipt_message).group(0)
    page = client.post("/follow-up/", {"receipt": receipt})
    assert page.status_code == 200
    assert "Unit SCH-A" in page.content.decode() and "status-received" in page.content.decode()
    assert Chat.objects.get().draft == {}


def test_coordinator_answer_reaches_the_chat_and_the_reporter_writes_back(
    client, tree, fake, say, django_capture_on_commit_callbacks
):
    report = _report(say, tree)
    coordinator = tree.users["coordinator"]
    client.force_login(coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("intake:report_act", args=[report.pk]),
            {"action": "reply", "body": "Thank you, we will talk to the class tomorrow."},
        )
    assert response.status_code == 302
    last = fake.texts(CHAT)[-1]
    assert "The school answered your report" in last
    assert "we will talk to the class tomorrow" in last
    assert Outgoing.objects.filter(sent_at__isnull=False).count() == 2  # receipt, answer

    client.logout()
    assert say(text="It happened again today.") == ["Sent. The school will see it."]
    message = ReportMessage.objects.filter(sender=Sender.REPORTER).get()
    assert message.report == report and message.body == "It happened again today."
    report.refresh_from_db()
    assert report.unread_since is not None
    assert say(text="/status") == ["Your report: being handled"]


def test_chat_id_is_stored_only_hashed_and_sealed_and_goes_with_the_report(tree, fake, say):
    report = _report(say, tree)
    link = ReportChat.objects.get(report=report)
    assert link.chat_hash == chats.chat_hash(CHAT) != str(CHAT)
    assert chats.chat_id_of(link) == CHAT
    # Nowhere else: not in the chat's state, the updates, the outbox, the audit log.
    for table in ("intake_chat", "intake_outgoing", "intake_update", "audit_auditevent"):
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT * FROM {table}")  # noqa: S608 (fixed names)
            assert str(CHAT) not in repr(cursor.fetchall()), table
    Report.objects.filter(pk=report.pk).delete()
    assert not ReportChat.objects.exists() and not Outgoing.objects.exists()
    assert Chat.objects.get().report is None


def test_failed_send_is_retried_by_the_clock(
    client, tree, fake, say, django_capture_on_commit_callbacks, caplog
):
    caplog.set_level(logging.DEBUG)
    report = _report(say, tree)
    fake.fail = {"sendMessage"}
    client.force_login(tree.users["coordinator"])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("intake:report_act", args=[report.pk]), {"action": "reply", "body": "Hi"}
        )
    row = Outgoing.objects.latest("pk")
    assert row.sent_at is None and row.attempts == 1 and "502" in row.error
    fake.fail = set()
    assert telegram_sweep(now=timezone.now()) == 0  # not due yet: backing off
    assert telegram_sweep(now=timezone.now() + dt.timedelta(minutes=6)) == 1
    row.refresh_from_db()
    assert row.sent_at is not None
    assert "Hi" in fake.texts(CHAT)[-1]
    # The failure was logged, without the bot's token (in every Bot API address) or the chat.
    assert "not sent" in caplog.text
    assert fake.token not in caplog.text and str(CHAT) not in caplog.text


def _report(say, tree) -> Report:
    start(say, tree.school_a)
    say(text="Someone takes my lunch every day.")
    say(button="h:done")
    say(button="p:canteen")
    say(button="a:me")
    say(button="r:pupil")
    say(button="f:done")
    say(button="c:send")
    return Report.objects.get()


@pytest.mark.parametrize("secret", [None, "", "wrong-secret"])
def test_webhook_refuses_without_the_right_secret_and_does_nothing(client, tree, fake, secret):
    update = fake.update(CHAT, text="/help")
    assert post(client, update, secret=secret).status_code == 403
    assert not Update.objects.exists() and not Chat.objects.exists() and fake.calls == []


def test_webhook_refuses_everything_while_no_secret_is_set(client, tree, fake, settings):
    settings.HAVEN_TELEGRAM_WEBHOOK_SECRET = ""
    assert post(client, fake.update(CHAT, text="/help"), secret="").status_code == 403
    assert client.get("/telegram/webhook/").status_code == 405


def test_repeated_update_is_dropped(client, tree, fake):
    update = fake.update(CHAT, text="/help")
    assert post(client, update).status_code == 200
    assert post(client, update).status_code == 200
    assert len(fake.texts()) == 1 and Update.objects.count() == 1


def test_malformed_update_gets_400_not_500(client, tree, fake):
    assert post(client, {"update_id": "x"}).status_code == 400
    response = client.post(
        "/telegram/webhook/",
        data=b"{not json",
        content_type="application/json",
        headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
    )
    assert response.status_code == 400


def test_group_chats_are_ignored(client, tree, fake):
    update = fake.update(CHAT, text="/help")
    update["message"]["chat"]["type"] = "group"
    assert post(client, update).status_code == 200
    assert fake.calls == [] and not Chat.objects.exists()


def test_rate_limit_per_chat(tree, fake, say, settings):
    settings.HAVEN_TELEGRAM_PER_MINUTE = 3
    for _ in range(3):
        assert say(text="/help")
    assert say(text="/help") == ["Too many messages. Please wait a minute and try again."]
    assert say(text="/help") == []  # told once, then silence
    assert say(chat=CHAT + 1, text="/help")  # another chat is not held back


def test_bad_input_gets_a_clear_answer(tree, fake, say):
    assert say(text="/frobnicate")[0].startswith("I do not know this command.")
    assert say(text="/start not-a-real-token")[0].startswith("This link does not lead to a school")
    assert "scan the Telegram code" in say(text="hello")[0]
    start(say, tree.school_a)
    assert say(button="c:send")[0] == "This button belongs to an earlier question."
    say(text="Something happened in the yard.")
    assert say(text="some words instead of a button")[0] == "Please choose with the buttons above."
    assert say(button="h:not-a-harm")[0].startswith("What kind of harm")
    say(button="h:done")
    say(button="p:yard")
    say(button="a:me")
    say(button="r:pupil")
    fake.files["voice-1"] = b"OggS\x00\x02" + b"\x00" * 40
    assert say(voice="voice-1") == ["This file could not be read. Try another one."]
    fake.files["music-1"] = opus_voice(head=b"\x01vorbis")  # Ogg, but not a voice message
    assert say(voice="music-1") == [
        "Only photos, screenshots (JPEG, PNG, WebP, GIF), PDF files, documents "
        "(DOCX, XLSX, ODT) and voice messages (Ogg Opus)."
    ]
    fake.files["doc-1"] = _small_pdf()
    assert say(document="doc-1")[0].startswith("Received (1)")


def test_too_long_description_is_refused(tree, fake, say, settings):
    start(say, tree.school_a)
    limit = settings.HAVEN_REPORT_MAX_CHARS
    assert say(text="x" * (limit + 1)) == [f"This is too long: at most {limit} characters."]


def test_language_is_the_users_when_spoken_else_the_schools(tree, fake, say):
    assert start(say, tree.school_a, language="ro")[0].startswith("Ești în pericol chiar acum?")
    # German is not spoken: the school's (Romanian) language rather than English.
    assert start(say, tree.school_a, language="de", chat=CHAT + 1)[0].startswith("Ești în pericol")
    assert start(say, tree.school_a, language="en", chat=CHAT + 2)[0].startswith("In danger")


def test_posters_carry_the_deep_link_only_when_a_bot_is_set_up(tree, fake, settings):
    html = poster_html(school=tree.school_a, classes=[tree.class_a], base_url="https://x.example")
    assert "Sau scrie-ne pe Telegram" in html  # the school's language, beside the second code
    assert html.count("<svg") == 2
    token = links.token_for(tree.class_a)
    assert 16 <= len(token) <= 64 and re.fullmatch(r"[A-Za-z0-9_-]+", token)
    assert links.link_for(tree.class_a) == f"https://t.me/{fake.username}?start={token}"
    assert links.unit_for(token) == tree.class_a
    assert links.token_for(tree.school_a) != token
    settings.HAVEN_TELEGRAM_BOT_TOKEN = ""
    html = poster_html(school=tree.school_a, classes=None, base_url="https://x.example")
    assert "Telegram" not in html and html.count("<svg") == 1


def test_setup_registers_the_webhook_with_its_secret(tree, fake, settings):
    out = io.StringIO()
    call_command("telegram_setup", base_url="https://haven.example", stdout=out)
    assert fake.webhook["url"] == "https://haven.example/telegram/webhook/"
    assert fake.webhook["secret_token"] == SECRET
    assert "Webhook set" in out.getvalue()


def test_urgent_report_receipt_repeats_the_numbers(tree, fake, say):
    start(say, tree.school_a)
    say(text="He has a knife in his bag and said he will use it.")
    say(button="h:weapons")
    for button in ("h:done", "p:yard", "a:someone_else", "r:pupil", "f:done"):
        say(button=button)
    receipt = say(button="c:send")[-1]
    assert Report.objects.get().urgent
    assert "Your report may be urgent" in receipt and "112" in receipt


def test_edited_messages_are_not_read_again(client, tree, fake):
    update = fake.update(CHAT, text="/help")
    update["edited_message"] = update.pop("message")
    assert post(client, update).status_code == 200
    assert fake.calls == []


def test_unfinished_conversation_is_forgotten_after_a_day(tree, fake, say):
    start(say, tree.school_a)
    say(text="Something I would rather not keep lying around.")
    telegram_sweep(now=timezone.now() + dt.timedelta(hours=23))
    assert Chat.objects.get().draft["description"]
    telegram_sweep(now=timezone.now() + dt.timedelta(hours=25))
    chat = Chat.objects.get()
    assert (chat.state, chat.draft) == ("idle", {})


def test_files_are_downloaded_before_the_transaction(tree, fake, say, monkeypatch):
    """A slow download must not hold the database's write lock: it happens before the
    webhook's transaction opens (one savepoint deeper than the test's own)."""
    from haven.intake.telegram import bot

    depths: list[int] = []
    download = bot.download

    def recording(file_id, limit):
        depths.append(len(connection.savepoint_ids))
        return download(file_id, limit)

    monkeypatch.setattr(bot, "download", recording)
    base = len(connection.savepoint_ids)
    start(say, tree.school_a)
    for step in ("Someone wrote about me online.", "h:cyber", "h:done", "p:online", "a:me"):
        say(text=step) if " " in step else say(button=step)
    say(button="r:pupil")
    fake.files["shot-1"] = jpeg_with_gps()
    say(photo="shot-1")
    say(button="f:done")
    say(button="c:send")
    say(photo="shot-1", text="And another one.")  # a later message with a file
    assert ReportAttachment.objects.count() == 2
    assert depths == [base, base, base]  # checked, sent with the report, added later


def _small_pdf() -> bytes:
    """A real one-page PDF: uploads are opened and cleaned, so a few bytes will not do."""
    import io

    import pikepdf

    pdf = pikepdf.new()
    pdf.add_blank_page()
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def test_the_demo_users_voice_message_arrives_without_the_phones_name(tree, fake, say):
    start(say, tree.school_a)
    say(text="Someone shouts at me in the yard.")
    for button in ("h:verbal", "h:done", "p:yard", "a:me", "r:pupil"):
        say(button=button)
    assert say(voice="demo-voice")[0].startswith("Received (1)")  # the fake's own recording
    say(button="f:done")
    say(button="c:send")
    attachment = ReportAttachment.objects.get()
    with attachment.file.open("rb") as handle:
        sound = handle.read()
    assert attachment.content_type == "audio/ogg" and b"DemoPhone" not in sound
