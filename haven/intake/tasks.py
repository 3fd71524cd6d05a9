"""Background work for reports: telling the school's coordinators that a report came in."""

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django_tasks import task

from haven.intake.models import Report
from haven.orgs.models import Membership, Role


def recipients(report: Report) -> list:
    """Coordinators on the school or above it; the principal if the school has none."""
    paths = report.school.ancestor_paths()
    members = Membership.objects.filter(unit__path__in=paths, user__is_active=True)
    chosen = members.filter(role=Role.COORDINATOR)
    if not chosen.exists():
        chosen = members.filter(role=Role.PRINCIPAL, unit=report.school)
    return sorted({m.user for m in chosen.select_related("user")}, key=lambda u: u.email)


@task()
def notify_pending_reports() -> int:
    """Announce every report still waiting for its e-mail; the number of e-mails sent.

    Each report is claimed by one conditional UPDATE in the transaction that sends its
    e-mails: parallel runs never announce a report twice, and a failed send leaves it pending
    for the next run.
    """
    pending = Report.objects.filter(notify_pending=True).order_by("created_at")
    sent = 0
    for pk in list(pending.values_list("pk", flat=True)[:500]):
        with transaction.atomic():
            if Report.objects.filter(pk=pk, notify_pending=True).update(notify_pending=False):
                sent += announce(Report.objects.select_related("school").get(pk=pk))
    return sent


def announce(report: Report) -> int:
    """E-mail each recipient in their language. The message holds no detail of the report:
    e-mail is not a safe place for it; the link leads to the access-checked inbox."""
    sent = 0
    for user in recipients(report):
        with translation.override(user.language or settings.LANGUAGE_CODE):
            context = {
                "report": report,
                "user": user,
                "link": settings.HAVEN_BASE_URL.rstrip("/")
                + reverse("intake:report_detail", args=[report.pk]),
            }
            subject = render_to_string("intake/email/new_report_subject.txt", context).strip()
            body = render_to_string("intake/email/new_report.txt", context)
        send_mail(subject, body, None, [user.email])
        sent += 1
    return sent
