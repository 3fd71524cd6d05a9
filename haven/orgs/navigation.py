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
    perm: str | None  # None: every signed-in user
    section: str  # the first path segment after the language, for aria-current


ENTRIES: list[Entry] = [
    Entry(_("Home"), "home", None, ""),
    Entry(_("Organisation"), "orgunit_list", Perm.UNIT_VIEW, "org"),
    Entry(_("Administration"), "admin:index", Perm.UNIT_MANAGE, "admin"),
    Entry(_("Account"), "account", None, "account"),
]


def entries_for(user: Any) -> list[dict[str, Any]]:
    if not getattr(user, "is_authenticated", False):
        return []
    return [
        {"label": e.label, "url": reverse(e.url_name), "section": e.section}
        for e in ENTRIES
        if e.perm is None or access.has_anywhere(user, e.perm)
    ]
