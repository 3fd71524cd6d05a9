from typing import Any

from django.core.management.base import BaseCommand

from haven.cases.services import clock_sweep
from haven.intake import urgent
from haven.intake.services import notifier_sweep
from haven.intake.telegram.clock import telegram_sweep
from haven.lib import ticks
from haven.notify.services import outbox_sweep


class Command(BaseCommand):
    help = (
        "Send due deadline reminders, escalate missed deadlines and unacknowledged urgent "
        "reports, re-queue reports not yet announced and messages not yet sent (safe to run "
        "at once)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        done = clock_sweep()
        # Urgent reports nobody took on (the level above), first responses overdue.
        told = urgent.clock_sweep()
        notifier_sweep()  # reports whose announcement was queued but never ran (a crash)
        outbox_sweep()  # messages not sent yet: their run never came, or a send failed
        lines = ticks.run_all()  # jobs of the apps above cases (registered in their ready())
        telegram_sweep()  # the same for Telegram chats; old update ids and drafts forgotten
        self.stdout.write(f"reminded {done['reminded']}, escalated {done['escalated']}")
        if told["urgent"] or told["overdue"]:
            self.stdout.write(
                f"urgent report messages {told['urgent']}, overdue report messages "
                f"{told['overdue']}"
            )
        for line in lines:
            self.stdout.write(line)
