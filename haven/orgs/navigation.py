"""The main navigation, by role. Apps above orgs add their entries with ``register`` from
their AppConfig.ready (orgs never imports them); ``order`` places each entry."""

from dataclasses import dataclass
from typing import Any

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from haven.orgs import access
from haven.orgs.access import Perm
from haven.orgs.types import Viewer, signed_in


@dataclass(frozen=True)
class Entry:
    label: str | Promise
    url_name: str
    perm: str | tuple[str, ...] | None  # any of these; None: every signed-in user
    order: int = 50


ENTRIES: list[Entry] = [
    Entry(_("Home"), "home", None, order=0),
    Entry(_("Reports"), "intake:inbox", (Perm.REPORT_VIEW, Perm.REPORT_RAISED), order=10),
    Entry(_("Record a report"), "intake:report_enter", Perm.REPORT_CREATE, order=20),
    Entry(_("Organisation"), "orgunit_list", Perm.UNIT_VIEW, order=80),
    Entry(_("Administration"), "admin:index", Perm.UNIT_MANAGE, order=90),
    Entry(_("Account"), "account", None, order=100),
]


def register(entry: Entry) -> None:
    """Adds an app's entry (once: a second call with the same address is a no-op)."""
    if all(e.url_name != entry.url_name for e in ENTRIES):
        ENTRIES.append(entry)
        ENTRIES.sort(key=lambda e: e.order)


def entries_for(user: Viewer, path: str = "") -> list[dict[str, Any]]:
    """The user's entries; the one whose address is the longest start of ``path`` is current."""
    if not signed_in(user):
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
