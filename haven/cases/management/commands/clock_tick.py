from typing import Any

from django.core.management.base import BaseCommand

from haven.cases.services import clock_sweep
from haven.intake.services import notifier_sweep


class Command(BaseCommand):
    help = (
        "Send due deadline reminders, escalate missed deadlines and re-queue unsent report "
        "e-mails (safe to run at once)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        done = clock_sweep()
        notifier_sweep()  # reports whose e-mail was queued but not sent (a crashed process)
        self.stdout.write(f"reminded {done['reminded']}, escalated {done['escalated']}")
