from typing import Any

from django.core.management.base import BaseCommand

from haven.orgs.demo import DEMO_LOADERS, demo_load
from haven.orgs.models import OrgUnit

# The demo school with a principal, a coordinator and the county inspector above it.
DEMO_SCHOOL = "RO-CJ-CLJ-1"


class Command(BaseCommand):
    help = "Load the demo organisation tree, demo users and each app's demo data (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        added = demo_load()
        school = OrgUnit.objects.filter(code=DEMO_SCHOOL, kind=OrgUnit.Kind.SCHOOL).first()
        if school is not None:
            # Registered by the apps above orgs (surveys: a demo campaign with answers).
            for name, loader in DEMO_LOADERS:
                added[name] = loader(school)
        summary = ", ".join(f"{count} {name}" for name, count in added.items())
        self.stdout.write(f"Demo data loaded; added: {summary}.")
