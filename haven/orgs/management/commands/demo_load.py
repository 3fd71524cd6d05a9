from typing import Any

from django.core.management.base import BaseCommand

from haven.orgs.demo import demo_load
from haven.orgs.models import OrgUnit
from haven.surveys.demo import survey_demo_load

# The demo school with a principal, a coordinator and the county inspector above it.
DEMO_SCHOOL = "RO-CJ-CLJ-1"


class Command(BaseCommand):
    help = "Load the demo organisation tree, demo users and a demo survey (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        added = demo_load()
        summary = ", ".join(f"{count} {name}" for name, count in added.items())
        school = OrgUnit.objects.filter(code=DEMO_SCHOOL, kind=OrgUnit.Kind.SCHOOL).first()
        answered = survey_demo_load(school) if school is not None else 0
        self.stdout.write(f"Demo data loaded; added: {summary}, {answered} survey answers.")
