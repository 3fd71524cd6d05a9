"""The sending task. It knows only the outbox (``delivery``), never the services that fill it."""

from haven.lib.tasks import task
from haven.notify import delivery


@task()
def deliver(message_ids: list[int]) -> int:
    """Send these outbox messages (those still unsent); the number sent."""
    return delivery.deliver(message_ids)
