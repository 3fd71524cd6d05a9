"""Background work of the deadline clock: reminders to the case team, escalations upward."""

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django_tasks import task

from haven.cases.models import CaseTimer, TeamRole
from haven.orgs.models import Membership, Role
from haven.procedures import engine, loader


def _mail(users: list, template: str, timer: CaseTimer) -> int:
    procedure = loader.get(timer.case.procedure_code, timer.case.procedure_version)
    found = engine.timer(procedure, timer.code)
    for user in users:
        with translation.override(user.language or settings.LANGUAGE_CODE):
            context = {
                "timer": timer,
                # a notification's deadline reads "Notify: <recipient>"
                "deadline": found.name if found else timer.code,
                "link": settings.HAVEN_BASE_URL.rstrip("/")
                + reverse("cases:case_detail", args=[timer.case_id]),
            }
            subject = render_to_string(f"cases/email/{template}_subject.txt", context).strip()
            body = render_to_string(f"cases/email/{template}.txt", context)
        send_mail(subject, body, None, [user.email])
    return len(users)


@task()
def send_reminder(timer_id: int) -> int:
    timer = CaseTimer.objects.select_related("case").get(pk=timer_id)
    leads = [m.user for m in timer.case.team.filter(role=TeamRole.LEAD).select_related("user")]
    return _mail(leads, "reminder", timer)


@task()
def send_escalation(timer_id: int) -> int:
    """To the role the procedure names: inspectors above the school, or e.g. its principal."""
    from haven.cases.services import escalation_role

    timer = CaseTimer.objects.select_related("case__school").get(pk=timer_id)
    role = escalation_role(timer)
    paths = timer.case.school.ancestor_paths()
    if role == Role.INSPECTOR:
        paths = paths[:-1]  # the level above, never the school's own people
    members = Membership.objects.filter(
        role=role, unit__path__in=paths, user__is_active=True
    ).select_related("user")
    users = sorted({m.user for m in members}, key=lambda u: u.email)
    return _mail(users, "escalation", timer)
