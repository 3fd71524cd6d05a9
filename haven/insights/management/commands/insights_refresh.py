from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from haven.insights.refresh import refresh


class Command(BaseCommand):
    help = (
        "Bring the insights count tables up to date from what changed since the last run "
        "(--full rebuilds them). Safe to run twice at once."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--full", action="store_true", help="Rebuild every count.")

    def handle(self, *args: Any, **options: Any) -> None:
        result = refresh(full=options["full"])
        if options["verbosity"]:
            self.stdout.write(
                f"schools {result.schools}, units above {result.units}, cells {result.cells}"
            )
