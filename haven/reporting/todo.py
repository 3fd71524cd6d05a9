"""The staff home's reporting section: reports of one's own units still to send, and, for a
level above, reports waiting for a decision."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from haven.lib.i18n import pick
from haven.orgs import access as orgs_access
from haven.orgs.todo import Item, Section, section
from haven.orgs.types import User
from haven.reporting import datafiles
from haven.reporting.access import Perm
from haven.reporting.models import PeriodicReport


def _item(report: PeriodicReport, today: dt.date) -> Item:
    template = datafiles.template_get(report.template)
    return Item(
        title=pick(template.names) if template else report.template,
        url=reverse("reporting:detail", args=[report.pk]),
        due=report.due,
        overdue=report.due < today,
        detail=f"{report.unit.name} · {report.period_key}",
    )


def reporting_todo(user: User, now: dt.datetime) -> list[Section]:
    own = [
        g.unit_id
        for g in orgs_access.grants(user)
        if Perm.FILL in orgs_access.ROLE_PERMS.get(g.role, frozenset())
    ]
    if not own:
        return []
    today = now.date()
    to_send = (
        PeriodicReport.objects.filter(
            unit_id__in=own,
            state__in=[
                PeriodicReport.State.DRAFT,
                PeriodicReport.State.RETURNED,
                PeriodicReport.State.SIGNED,
            ],
        )
        .select_related("unit")
        .order_by("due", "pk")
    )
    sections = section(
        "periodic_reports",
        _("Periodic reports to send"),
        to_send,
        lambda r: _item(r, today),
        order=40,
        more_url=reverse("reporting:list"),
    )
    deciders = orgs_access.paths_with(user, Perm.DECIDE)
    if deciders:
        waiting = (
            PeriodicReport.objects.filter(
                unit_id__in=orgs_access.unit_ids(user, Perm.DECIDE),
                state=PeriodicReport.State.SUBMITTED,
            )
            .exclude(unit_id__in=own)
            .select_related("unit")
            .order_by("due", "pk")
        )
        sections += section(
            "periodic_reports_received",
            _("Periodic reports to accept or return"),
            waiting,
            lambda r: _item(r, today),
            order=41,
            more_url=reverse("reporting:list"),
        )
    return sections
