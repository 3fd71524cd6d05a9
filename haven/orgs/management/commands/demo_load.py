from typing import Any

from django.core.management.base import BaseCommand

from haven.orgs.demo import demo_load


class Command(BaseCommand):
    help = "Load the demo organisation tree and demo users (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        added = demo_load()
        summary = ", ".join(f"{count} {name}" for name, count in added.items())
        self.stdout.write(f"Demo data loaded; added: {summary}.")
