"""Refresh every survey campaign's stored aggregates (safe to run at any time, twice)."""

from typing import Any

from django.core.management.base import BaseCommand

from haven.surveys.aggregates import refresh_all


class Command(BaseCommand):
    help = "Recompute survey aggregates that are behind their responses (--force: all)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--force", action="store_true", help="Recompute every campaign.")

    def handle(self, *args: Any, **options: Any) -> None:
        count = refresh_all(force=options["force"])
        self.stdout.write(f"{count} campaign(s) refreshed")
