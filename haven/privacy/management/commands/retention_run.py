from typing import Any

from django.core.management.base import BaseCommand

from haven.privacy.services import retention_run


class Command(BaseCommand):
    help = (
        "Erase what the retention policies say is due (text blanked, files overwritten and "
        "unlinked, rows kept for the statistics) and prune old audit events. Run once a day; "
        "safe to run twice at once."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        result = retention_run()
        erased = ", ".join(f"{kind} {n}" for kind, n in sorted(result.erased.items())) or "none"
        self.stdout.write(f"erased: {erased}; audit events deleted: {result.audit_events}")
