"""The parts of a Telegram update the bot reads, as pydantic models (the rest is ignored)."""

from pydantic import BaseModel, ConfigDict, Field


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)


class TgUser(_Model):
    id: int
    language_code: str | None = None


class TgChat(_Model):
    id: int
    type: str


class FileRef(_Model):
    file_id: str = Field(max_length=300)
    file_size: int | None = None


class TgMessage(_Model):
    message_id: int
    chat: TgChat
    from_: TgUser | None = Field(default=None, alias="from")
    text: str | None = None
    caption: str | None = None
    # Telegram sends each photo in several sizes, smallest first.
    photo: list[FileRef] | None = None
    document: FileRef | None = None
    voice: FileRef | None = None
    audio: FileRef | None = None
    video: FileRef | None = None
    video_note: FileRef | None = None
    sticker: FileRef | None = None


class TgCallback(_Model):
    id: str
    from_: TgUser = Field(alias="from")
    message: TgMessage | None = None
    data: str | None = Field(default=None, max_length=64)


class TgUpdate(_Model):
    update_id: int
    message: TgMessage | None = None
    callback_query: TgCallback | None = None
