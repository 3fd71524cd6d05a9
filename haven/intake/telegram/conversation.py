"""The bot's side of a chat: the web form's questions one at a time, then the report.

``handle`` reads one update and answers with the Bot API calls to make once its transaction
has committed (the conversation's prompts: a lost one is asked again by the next message).
What must arrive later, the receipt and the school's answers, goes through ``outbox``.
The report itself passes ``rules.report_clean`` and ``services.report_submit`` like every
other channel's; files go through the same cleaning as the web form's.
"""

import datetime as dt
import secrets
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from haven.intake import rules, selectors, services
from haven.intake.files import accepted_text
from haven.intake.models import Affected, Channel, Harm, PublicStatus, Report, ReporterRole
from haven.intake.places import is_place, place_choices, place_label
from haven.intake.telegram import bot, chats, links, outbox
from haven.intake.telegram.models import Chat, ChatState
from haven.intake.telegram.updates import FileRef, TgMessage, TgUpdate
from haven.lib.errors import FieldErrors, HavenError
from haven.lib.i18n import interface_languages
from haven.orgs.models import OrgUnit
from haven.orgs.templatetags.haven import phone_label
from haven.security.services import throttle_count, throttle_hit

# A conversation left this long is forgotten (its answers with it).
DRAFT_KEPT = dt.timedelta(hours=24)

Keyboard = list[list[dict[str, str]]]


@dataclass
class Call:
    method: str
    params: dict[str, Any]


@dataclass
class Turn:
    """One update's answer: the calls to make after commit."""

    chat_id: int
    calls: list[Call] = field(default_factory=list)

    def say(self, text: str, keyboard: Keyboard | None = None) -> None:
        markup = {"inline_keyboard": keyboard} if keyboard else None
        self.calls.append(
            Call(
                "sendMessage",
                {"chat_id": self.chat_id, "text": text[:4096], "reply_markup": markup},
            )
        )


def _button(text: object, data: str) -> dict[str, str]:
    return {"text": str(text)[:60], "callback_data": data}


def language_of(code: str | None, school: OrgUnit | None) -> str:
    """The person's Telegram language when Haven speaks it, else the school's first."""
    spoken = interface_languages([code]) if code else []
    if spoken:
        return spoken[0]
    if school is not None:
        ours = interface_languages(list(school.jurisdiction.languages or []))
        if ours:
            return ours[0]
    return str(settings.LANGUAGE_CODE)


Fetched = dict[str, "bytes | bot.BotError"]


def _fetch(file_id: str) -> "bytes | bot.BotError":
    try:
        return bot.download(file_id, settings.HAVEN_ATTACHMENT_MAX_BYTES)
    except bot.BotError as exc:
        return exc


def prefetch(update: TgUpdate) -> Fetched:
    """The files this update will need, downloaded before its transaction begins (a slow
    download must not hold the database's write lock): the file a message carries where it
    will be kept, and a draft's files when it is sent. Reads only; the rest is ``handle``'s."""
    callback = update.callback_query
    message = callback.message if callback else update.message
    if message is None or message.chat.type != "private":
        return {}
    key = chats.chat_hash(message.chat.id)
    if throttle_count(scope="telegram.chat", key=key, window_seconds=60) >= (
        settings.HAVEN_TELEGRAM_PER_MINUTE
    ):
        return {}
    chat = Chat.objects.filter(chat_hash=key).values("state", "report_id", "draft").first()
    if chat is None:
        return {}
    wanted: list[str] = []
    if callback is not None:
        if callback.data == "c:send" and chat["state"] == ChatState.CONFIRM:
            wanted = [str(f) for f in (chat["draft"] or {}).get("files", [])]
    elif (file := _file_of(message)) is not None and not (message.text or "").startswith("/"):
        keeps = chat["state"] == ChatState.FILES or (
            chat["state"] == ChatState.IDLE and chat["report_id"] is not None
        )
        limit = settings.HAVEN_ATTACHMENT_MAX_BYTES
        if keeps and not (file.file_size and file.file_size > limit):
            wanted = [file.file_id]
    return {file_id: _fetch(file_id) for file_id in wanted}


def handle(update: TgUpdate, fetched: Fetched | None = None) -> Turn | None:
    """Answer one update (inside the webhook's transaction); None when it is not for us."""
    callback = update.callback_query
    # An edited message is not read again: it would join the report a second time.
    message = callback.message if callback else update.message
    if message is None or message.chat.type != "private":
        return None  # never in groups: a report is not for other members to read
    sender = callback.from_ if callback else message.from_
    turn = Turn(chat_id=message.chat.id)
    if callback is not None:
        turn.calls.append(Call("answerCallbackQuery", {"callback_query_id": callback.id}))
    key = chats.chat_hash(message.chat.id)
    count = throttle_hit(scope="telegram.chat", key=key, window_seconds=60)
    limit = settings.HAVEN_TELEGRAM_PER_MINUTE
    chat, _created = Chat.objects.select_related(
        "school__jurisdiction", "class_unit", "report"
    ).get_or_create(chat_hash=key)
    code = sender.language_code if sender else None
    language = language_of(code, chat.school)
    with translation.override(language):
        if count > limit:
            if count == limit + 1:  # once per window: more answers would feed a flood
                turn.say(_("Too many messages. Please wait a minute and try again."))
            return turn
        talk = Talk(chat=chat, turn=turn, language=language, message=message, code=code)
        talk.fetched = fetched or {}
        if callback is not None:
            talk.on_button(callback.data or "")
        else:
            talk.on_message()
        chat.updated_at = timezone.now()
        chat.save()
    return turn


def drafts_expire(*, now: dt.datetime) -> int:
    """Forget conversations left unfinished for a day."""
    # Only an unfinished conversation has a draft: sending or expiry empties it with IDLE.
    return (
        Chat.objects.filter(updated_at__lt=now - DRAFT_KEPT)
        .exclude(state=ChatState.IDLE)
        .update(state=ChatState.IDLE, draft={})
    )


def _file_of(message: TgMessage) -> FileRef | None:
    if message.photo:
        # The largest size within the limit (sizes come smallest first).
        limit = settings.HAVEN_ATTACHMENT_MAX_BYTES
        fitting = [p for p in message.photo if (p.file_size or 0) <= limit]
        return (fitting or message.photo)[-1]
    return message.document or message.voice or message.audio or message.video or None


def _other_media(message: TgMessage) -> bool:
    return bool(message.video_note or message.sticker)


class Talk:
    """The conversation's steps for one chat and one update."""

    def __init__(
        self, *, chat: Chat, turn: Turn, language: str, message: TgMessage, code: str | None
    ):
        self.chat, self.turn, self.language, self.message = chat, turn, language, message
        self.code = code  # the Telegram app's language
        self.fetched: Fetched = {}  # files downloaded before the transaction (``prefetch``)

    @property
    def draft(self) -> dict[str, Any]:
        draft: dict[str, Any] = self.chat.draft
        return draft

    # Incoming -------------------------------------------------------------------------

    def on_message(self) -> None:
        text = (self.message.text or "").strip()
        if text.startswith("/"):
            command, _sep, argument = text[1:].partition(" ")
            self.on_command(command.split("@")[0].lower(), argument.strip())
            return
        file = _file_of(self.message)
        state = self.chat.state
        if state == ChatState.DESCRIPTION:
            if not text:
                self.turn.say(_("Please write first what happened. You can add photos after."))
                return
            self.description_set(text)
        elif state == ChatState.FILES and (file or _other_media(self.message)):
            self.file_add(file)
        elif state == ChatState.IDLE and self.chat.report is not None:
            self.reporter_write(self.message.caption or text, file)
        elif state == ChatState.IDLE:
            self.no_report()
        else:
            self.turn.say(_("Please choose with the buttons above."))
            self.ask()

    def on_command(self, command: str, argument: str) -> None:
        if command == "start" and argument:
            unit = links.unit_for(argument)
            if unit is None or unit.kind not in (OrgUnit.Kind.SCHOOL, OrgUnit.Kind.CLASS):
                self.turn.say(
                    _(
                        "This link does not lead to a school. Scan the code on your school's "
                        "poster again."
                    )
                )
                return
            school = unit if unit.kind == OrgUnit.Kind.SCHOOL else unit.parent
            self.chat.school = school
            self.chat.class_unit = unit if unit.kind == OrgUnit.Kind.CLASS else None
            # The school is known now: its language is the fallback from here on (the
            # caller's translation.override restores the previous one afterwards).
            self.language = language_of(self.code, school)
            translation.activate(self.language)
            self.begin()
        elif command in ("start", "new"):
            if self.chat.school is None:
                self.no_report()
            else:
                self.begin()
        elif command == "status":
            self.status()
        elif command == "help":
            self.turn.say(self.help_text())
        else:
            self.turn.say(_("I do not know this command.") + "\n\n" + self.help_text())

    def on_button(self, data: str) -> None:
        kind, _sep, value = data.partition(":")
        expected = {
            "h": ChatState.HARMS,
            "p": ChatState.PLACE,
            "a": ChatState.AFFECTED,
            "r": ChatState.ROLE,
            "f": ChatState.FILES,
            "c": ChatState.CONFIRM,
        }.get(kind)
        if expected is None or self.chat.state != expected:
            self.turn.say(_("This button belongs to an earlier question."))
            self.ask()
            return
        if kind == "h":
            self.harm_toggle(value)
        elif kind == "p" and is_place(self.chat.school, value):  # type: ignore[arg-type]
            self.draft["place"] = value
            self.step(ChatState.AFFECTED)
        elif kind == "a" and value in Affected.values:
            self.draft["affected"] = value
            self.step(ChatState.ROLE)
        elif kind == "r" and value in ReporterRole.values:
            self.draft["reporter_role"] = value
            self.step(ChatState.FILES)
        elif kind == "f":
            self.step(ChatState.CONFIRM)
        elif kind == "c" and value == "send":
            self.submit()
        elif kind == "c" and value == "again":
            self.begin(numbers=False)
        else:
            self.turn.say(_("Please choose with the buttons above."))
            self.ask()

    # Steps ----------------------------------------------------------------------------

    def begin(self, *, numbers: bool = True) -> None:
        """A new report: the help numbers first, then the first question."""
        self.chat.draft = {"token": secrets.token_urlsafe(16), "harms": [], "files": []}
        if numbers:
            self.turn.say(self.numbers_text())
            school = self.chat.school
            assert school is not None  # begin is only called with a school
            where = school.name
            if self.chat.class_unit is not None:
                where = f"{school.name} · {self.chat.class_unit.name}"
            self.turn.say(
                _("You are writing to %(school)s.") % {"school": where}
                + "\n\n"
                + _(
                    "You do not have to say who you are. Unless you give your contact, "
                    "nobody at school can know who wrote the report."
                )
            )
        self.step(ChatState.DESCRIPTION)

    def step(self, state: str) -> None:
        self.chat.state = state
        self.ask()

    def ask(self) -> None:
        """The current question (again)."""
        state = self.chat.state
        if state == ChatState.DESCRIPTION:
            self.turn.say(_("What happened? Write it in your own words: who, what and when."))
        elif state == ChatState.HARMS:
            self.turn.say(
                _("What kind of harm was it? Choose one or more, then press Done."),
                self.harms_keyboard(),
            )
        elif state == ChatState.PLACE:
            choices = place_choices(self.chat.school)  # type: ignore[arg-type]
            rows = [[_button(label, f"p:{code}")] for code, label in choices]
            self.turn.say(_("Where did it happen?"), rows)
        elif state == ChatState.AFFECTED:
            rows = [[_button(label, f"a:{value}")] for value, label in Affected.choices]
            self.turn.say(_("Who is affected?"), rows)
        elif state == ChatState.ROLE:
            rows = [[_button(label, f"r:{value}")] for value, label in ReporterRole.choices]
            self.turn.say(_("Who is reporting?"), rows)
        elif state == ChatState.FILES:
            self.turn.say(
                _(
                    "You can send photos, screenshots, documents or voice messages now "
                    "(at most %(count)s). "
                    "When you are done, or if you have none, press Continue."
                )
                % {"count": settings.HAVEN_ATTACHMENTS_PER_MESSAGE},
                [[_button(_("Continue"), "f:done")]],
            )
        elif state == ChatState.CONFIRM:
            self.turn.say(
                self.summary_text(),
                [[_button(_("Send the report"), "c:send")], [_button(_("Start again"), "c:again")]],
            )

    def description_set(self, text: str) -> None:
        try:
            rules.field_rules()["description"].clean(text)
        except ValidationError:  # too long
            self.turn.say(
                _("This is too long: at most %(count)s characters.")
                % {"count": settings.HAVEN_REPORT_MAX_CHARS}
            )
            return
        self.draft["description"] = text
        self.step(ChatState.HARMS)

    def harms_keyboard(self) -> Keyboard:
        chosen = set(self.draft.get("harms", []))
        rows = [
            [_button(("✓ " if value in chosen else "") + str(label), f"h:{value}")]
            for value, label in Harm.choices
        ]
        return [*rows, [_button(_("Done"), "h:done")]]

    def harm_toggle(self, value: str) -> None:
        if value == "done":
            self.step(ChatState.PLACE)
            return
        if value not in Harm.values:
            self.ask()
            return
        chosen = set(self.draft.get("harms", []))
        chosen ^= {value}
        self.draft["harms"] = sorted(chosen)
        self.turn.calls.append(
            Call(
                "editMessageReplyMarkup",
                {
                    "chat_id": self.turn.chat_id,
                    "message_id": self.message.message_id,
                    "reply_markup": {"inline_keyboard": self.harms_keyboard()},
                },
            )
        )

    def _download(self, file: FileRef) -> SimpleUploadedFile | None:
        """The file's bytes as an upload for the intake's cleaning, or None (said why)."""
        limit = settings.HAVEN_ATTACHMENT_MAX_BYTES
        if file.file_size and file.file_size > limit:
            self.turn.say(
                _("The file is too large. The limit is %(size)s MB.") % {"size": limit // 1_000_000}
            )
            return None
        data = self.fetched.get(file.file_id)
        if data is None:
            data = _fetch(file.file_id)
        if isinstance(data, bot.BotError):
            self.turn.say(_("This file could not be received. Please send it again."))
            return None
        return SimpleUploadedFile("telegram", data)

    def _clean(self, file: FileRef | None) -> bool:
        """Whether the file passes the intake's checks (said why not)."""
        if file is None:
            self.turn.say(accepted_text())
            return False
        upload = self._download(file)
        if upload is None:
            return False
        _cleaned, errors = rules.files_clean([upload])
        if errors:
            self.turn.say("\n".join(errors))
            return False
        return True

    def file_add(self, file: FileRef | None) -> None:
        files = self.draft.setdefault("files", [])
        if len(files) >= settings.HAVEN_ATTACHMENTS_PER_MESSAGE:
            self.turn.say(
                _("At most %(count)s files at a time.")
                % {"count": settings.HAVEN_ATTACHMENTS_PER_MESSAGE},
                [[_button(_("Continue"), "f:done")]],
            )
            return
        if not self._clean(file):
            return
        assert file is not None  # checked by _clean
        files.append(file.file_id)
        self.turn.say(
            _("Received (%(count)s). Send more, or press Continue.") % {"count": len(files)},
            [[_button(_("Continue"), "f:done")]],
        )

    def summary_text(self) -> str:
        draft, school = self.draft, self.chat.school
        harms = dict(Harm.choices)
        lines = [
            _("Please check your report:"),
            "",
            f"{capfirst(Report._meta.get_field('description').verbose_name)}: "
            f"{draft.get('description', '')[:1000]}",
            f"{capfirst(Report._meta.get_field('harms').verbose_name)}: "
            + (", ".join(str(harms[h]) for h in draft.get("harms", []) if h in harms) or "—"),
            f"{capfirst(Report._meta.get_field('place').verbose_name)}: "
            + (place_label(school, draft["place"]) if draft.get("place") and school else "—"),
            f"{capfirst(Report._meta.get_field('affected').verbose_name)}: "
            f"{dict(Affected.choices).get(draft.get('affected', ''), '—')}",
            f"{capfirst(Report._meta.get_field('reporter_role').verbose_name)}: "
            f"{dict(ReporterRole.choices).get(draft.get('reporter_role', ''), '—')}",
        ]
        if draft.get("files"):
            lines.append(_("Files: %(count)s") % {"count": len(draft["files"])})
        return "\n".join(lines)

    def submit(self) -> None:
        school, draft = self.chat.school, self.draft
        if school is None:
            self.no_report()
            return
        uploads = []
        for file_id in draft.get("files", []):
            upload = self._download(FileRef(file_id=file_id))
            if upload is None:
                return
            uploads.append(upload)
        try:
            data = rules.report_clean(
                {name: draft.get(name) for name in rules.FIELDS},
                school=school,
                channel=Channel.CHAT_BOT,
                class_unit=self.chat.class_unit,
                files=uploads,
            )
            report, receipt = services.report_submit(
                school=school,
                data=data,
                language=self.language,
                submission_token=f"telegram:{draft.get('token', '')}",
            )
        except FieldErrors as exc:
            self.turn.say("\n".join(m for messages in exc.errors.values() for m in messages))
            self.ask()
            return
        except HavenError as exc:
            self.turn.say(str(exc.message))
            return
        chats.report_chat_set(report=report, chat_id=self.turn.chat_id)
        text = render_to_string(
            "intake/telegram/receipt.txt",
            {
                "school": school,
                "urgent": report.urgent,
                "receipt": str(receipt),
                "followup": settings.HAVEN_BASE_URL.rstrip("/") + "/follow-up/",
            },
        ).strip()
        # Through the outbox: the receipt is shown only this once, so it must arrive.
        outbox.outgoing_add(report=report, text=text)
        self.chat.report = report
        self.chat.state = ChatState.IDLE
        self.chat.draft = {}

    def reporter_write(self, text: str, file: FileRef | None) -> None:
        report = self.chat.report
        assert report is not None  # checked by on_message
        files = []
        if file is not None or _other_media(self.message):
            upload = self._download(file) if file else None
            if upload is None:
                if file is None:
                    self.turn.say(accepted_text())
                return
            cleaned, errors = rules.files_clean([upload])
            if errors:
                self.turn.say("\n".join(errors))
                return
            files = cleaned
        try:
            services.report_reporter_write(report=report, body=text, files=files)
        except HavenError as exc:
            self.turn.say(str(exc.message))
            return
        self.turn.say(_("Sent. The school will see it."))

    # Texts ----------------------------------------------------------------------------

    def numbers_text(self) -> str:
        school = self.chat.school
        lines = [_("In danger right now?"), _("Do not wait for the school. Call now:")]
        if school is not None:
            for entry in school.jurisdiction.phone_numbers or []:
                label = phone_label(entry)
                lines.append(f"{entry.get('number', '')} {label}".strip())
        return "\n".join(lines)

    def status(self) -> None:
        report = self.chat.report
        if report is None:
            self.turn.say(_("You have not sent a report from this chat."))
            return
        report.refresh_from_db(fields=["public_status", "outcome"])
        lines = [
            _("Your report: %(status)s") % {"status": PublicStatus(report.public_status).label}
        ]
        outcome = selectors.report_outcome(report=report)
        if outcome:
            lines += [line for line in (outcome["text"], outcome["note"]) if line]
        self.turn.say("\n".join(lines))

    def no_report(self) -> None:
        if self.chat.school is None:
            self.turn.say(
                _("To make a report, scan the Telegram code on your school's poster.")
                + "\n\n"
                + self.help_text()
            )
        else:
            self.turn.say(self.help_text())

    def help_text(self) -> str:
        return "\n".join(
            [
                _("/new: make a new report"),
                _("/status: what happens with your report"),
                _("/help: this list"),
                _("Write here to add to your report; the school's answers arrive here too."),
            ]
        )
