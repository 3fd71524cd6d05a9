import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from haven.lib.errors import InvalidInput
from haven.orgs.models import OrgUnit
from haven.orgs.pupils import pupils_import, read_csv


class Command(BaseCommand):
    help = "Import class rosters from CSV: columns class, number, given_name, family_name."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("school_code")
        parser.add_argument("csv_file", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        school = OrgUnit.objects.filter(kind="school", code__iexact=options["school_code"]).first()
        if school is None:
            raise CommandError(f"No school with the code {options['school_code']!r}.")
        try:
            rows = read_csv(options["csv_file"].read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"Cannot read {options['csv_file']}: {exc}") from exc
        except InvalidInput as exc:
            raise CommandError(str(exc.message)) from exc
        total = len(rows)

        def progress(done: int) -> None:
            if sys.stderr.isatty() or done == total:
                width = 30
                filled = width * done // max(total, 1)
                sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
                if done == total:
                    sys.stderr.write("\n")

        result = pupils_import(actor=None, school=school, rows=rows, progress=progress)
        self.stdout.write(
            f"{school.name}: {result.created} added, {result.updated} updated, "
            f"{result.unchanged} unchanged, {len(result.rejected)} rejected."
        )
        for line, reason in result.rejected:
            self.stdout.write(f"  line {line}: {reason}")
