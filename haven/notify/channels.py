"""The ways out: a small registry of channels. E-mail now; a Telegram channel registers itself
the same way (``register(Telegram())``) and every notification can use it."""

from typing import Protocol

from django.core.mail import send_mail

from haven.orgs.models import User


class Channel(Protocol):
    code: str

    def default_address(self, user: User) -> str:
        """Where ``user`` is reached when they stored no address for this channel ('' when
        nowhere)."""
        ...

    def send(self, *, address: str, subject: str, body: str) -> None:
        """Deliver or raise: an exception leaves the message for a later try."""
        ...


_registry: dict[str, Channel] = {}


def register(channel: Channel) -> Channel:
    _registry[channel.code] = channel
    return channel


def get(code: str) -> Channel | None:
    return _registry.get(code)


def codes() -> list[str]:
    return sorted(_registry)


class Email:
    code = "email"

    def default_address(self, user: User) -> str:
        return user.email

    def send(self, *, address: str, subject: str, body: str) -> None:
        send_mail(subject, body, None, [address])


EMAIL = register(Email())
