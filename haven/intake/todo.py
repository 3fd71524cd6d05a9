"""The staff home's section of reports waiting for the school (``haven.orgs.todo``)."""

import datetime as dt

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from haven.intake.models import Report, Status
from haven.intake.selectors import report_visible
from haven.orgs import access, todo
from haven.orgs.access import Perm
from haven.orgs.models import User


def waiting_condition() -> Q:
    """Reports nobody at the school has answered yet, and reports whose reporter wrote a
    message nobody who may answer has read (``unread_since``)."""
    return Q(status=Status.NEW, first_responded_at__isnull=True) | Q(unread_since__isnull=False)


def report_todo(user: User, now: dt.datetime) -> list[todo.Section]:
    """New reports for those who act on them (coordinators, principals), urgent first, then
    the one whose first response is due soonest. Inspectors do not answer a school's reports,
    only take on those raised to their level when nobody at the school did."""
    mine = Q(school__in=access.units(user, Perm.REPORT_TRIAGE)) & waiting_condition()
    # Above the school: the reports raised to the user's level that nobody has taken on yet.
    raised = Q(
        raised_depth__isnull=False, acknowledged_at__isnull=True, first_responded_at__isnull=True
    ) & Q(status__in=(Status.NEW, Status.IN_TRIAGE, Status.NEEDS_INFO))
    rows = (
        report_visible(user=user)
        .filter(mine | raised)
        .select_related("school")
        .order_by("-urgent", "first_response_due", "pk")
    )

    def item(report: Report) -> todo.Item:
        return todo.Item(
            title=_("Report %(number)s") % {"number": report.pk},
            url=reverse("intake:report_detail", args=[report.pk]),
            due=report.first_response_due,
            urgent=report.urgent,
            overdue=report.first_response_due < now,
            detail=report.school.name,
        )

    return todo.section(
        "reports",
        gettext_lazy("New reports"),
        rows,
        item,
        order=10,
        more_url=f"{reverse('intake:inbox')}?status={Status.NEW}",
    )


def register() -> None:
    todo.register(report_todo)
