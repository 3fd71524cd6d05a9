from typing import Any

from django.core.management.base import BaseCommand

from haven.cases.services import clock_sweep


class Command(BaseCommand):
    help = "Send due deadline reminders and escalate missed deadlines (safe to run at once)."

    def handle(self, *args: Any, **options: Any) -> None:
        done = clock_sweep()
        self.stdout.write(f"reminded {done['reminded']}, escalated {done['escalated']}")
