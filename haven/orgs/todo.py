"""What a signed-in person has to do now: the sections of the staff home page.

Orgs never imports the apps that hold the work (reports, cases, registers). Each of them
registers a provider from its AppConfig.ready, as with ``navigation``: a function of
(user, now) that returns its sections, each already limited to what that user may open
(the app's own selectors and access rules) and to a count plus the first ``LIMIT`` items,
so the home page costs a few queries per section whatever the size of the school or county.
"""

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.functional import Promise

from haven.orgs.types import User, Viewer, signed_in

# Items shown per section; the count says how many there are in all.
LIMIT = 5
# How far ahead a review or a measure counts as due "now".
SOON = dt.timedelta(days=7)


@dataclass(frozen=True)
class Item:
    title: str | Promise
    url: str
    due: dt.datetime | dt.date | None = None
    urgent: bool = False
    overdue: bool = False
    detail: str | Promise = ""  # where (the school), or which deadline

    @property
    def due_has_time(self) -> bool:
        return isinstance(self.due, dt.datetime)


@dataclass(frozen=True)
class Section:
    kind: str  # a stable name, for tests and styling: "reports", "appeals"...
    label: str | Promise
    count: int
    items: list[Item] = field(default_factory=list)
    more_url: str = ""  # the full list, when the section shows only its first items
    order: int = 50  # urgent work first: reports 10, deadlines 20 ...


Provider = Callable[[User, dt.datetime], list[Section]]
PROVIDERS: list[Provider] = []


def register(provider: Provider) -> None:
    """Adds an app's provider (once: registering the same function again is a no-op)."""
    name = f"{provider.__module__}.{provider.__qualname__}"
    if all(f"{p.__module__}.{p.__qualname__}" != name for p in PROVIDERS):
        PROVIDERS.append(provider)


def section(
    kind: str,
    label: str | Promise,
    rows: QuerySet[Any],
    item: Callable[[Any], Item],
    *,
    order: int,
    more_url: str = "",
) -> list[Section]:
    """One section from an ordered query the user may read: its count, then its first rows
    (not read at all when there are none)."""
    count = rows.count()
    if not count:
        return []
    items = [item(row) for row in rows[:LIMIT]]
    return [Section(kind, label, count, items, more_url if count > LIMIT else "", order)]


def items_section(
    kind: str, label: str | Promise, items: Iterable[Item], *, order: int
) -> list[Section]:
    """A section from items already in hand (a few: one per school of the user)."""
    found = list(items)
    return [Section(kind, label, len(found), found[:LIMIT], "", order)] if found else []


def todo_for(user: Viewer, now: dt.datetime | None = None) -> list[Section]:
    """The signed-in user's sections with something in them, in their order."""
    if not signed_in(user) or not user.is_active:
        return []
    now = now or timezone.now()
    sections = [s for provider in PROVIDERS for s in provider(user, now)]
    return sorted(sections, key=lambda s: s.order)
