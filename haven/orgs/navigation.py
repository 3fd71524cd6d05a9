"""The main navigation, by role. Later modules add their entries to ``ENTRIES``."""

from dataclasses import dataclass
from typing import Any

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from haven.orgs import access
from haven.orgs.access import Perm


@dataclass(frozen=True)
class Entry:
    label: str | Promise
    url_name: str
    perm: str | tuple[str, ...] | None  # any of these; None: every signed-in user


ENTRIES: list[Entry] = [
    Entry(_("Home"), "home", None),
    Entry(_("Reports"), "intake:inbox", Perm.REPORT_VIEW),
    Entry(_("Record a report"), "intake:report_enter", Perm.REPORT_CREATE),
    Entry(
        _("Cases"),
        "cases:case_list",
        (Perm.CASE_MANAGE, Perm.CASE_ESCALATED, Perm.REFERRAL_ANSWER, Perm.REPORT_CREATE),
    ),
    Entry(_("Prevention"), "prevention:home", (Perm.PREVENTION_VIEW, Perm.PLEDGE_SIGN)),
    # Class teachers reach the pupils of concern assigned to them (staff sign pledges).
    Entry(
        _("Pupils of concern"),
        "care:concern_list",
        (Perm.CONCERN_VIEW, Perm.CARE_FIGURES, Perm.CARE_MANAGE, Perm.PLEDGE_SIGN),
    ),
    Entry(
        _("Surveys"),
        "surveys:campaign_list",
        (Perm.SURVEY_MANAGE, Perm.SURVEY_RESULTS, Perm.SURVEY_ROLLUP),
    ),
    Entry(_("Organisation"), "orgunit_list", Perm.UNIT_VIEW),
    Entry(_("Administration"), "admin:index", Perm.UNIT_MANAGE),
    Entry(_("Account"), "account", None),
]


def entries_for(user: Any, path: str = "") -> list[dict[str, Any]]:
    """The user's entries; the one whose address is the longest start of ``path`` is current."""
    if not getattr(user, "is_authenticated", False):
        return []
    entries: list[dict[str, Any]] = [
        {"label": e.label, "url": reverse(e.url_name), "current": False}
        for e in ENTRIES
        if e.perm is None
        or any(
            access.has_anywhere(user, p) for p in ((e.perm,) if isinstance(e.perm, str) else e.perm)
        )
    ]
    matching = [e for e in entries if path.startswith(e["url"])]
    if matching:
        max(matching, key=lambda e: len(e["url"]))["current"] = True
    return entries
