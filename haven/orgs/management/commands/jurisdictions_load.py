from typing import Any

from django.core.management.base import BaseCommand

from haven.orgs.demo import jurisdictions_load


class Command(BaseCommand):
    help = "Create or update the jurisdictions from haven/orgs/data/jurisdictions.json."

    def handle(self, *args: Any, **options: Any) -> None:
        changed = jurisdictions_load()
        self.stdout.write(f"Jurisdictions loaded; {changed} created or changed.")
