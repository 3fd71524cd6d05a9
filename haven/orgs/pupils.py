"""Class rosters: pupils added by hand or imported from the school's register (CSV)."""

import csv
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from haven.audit.services import audit_record
from haven.lib.errors import InvalidInput
from haven.orgs import access
from haven.orgs.access import Perm
from haven.orgs.models import OrgUnit, Pupil
from haven.orgs.types import User

COLUMNS = ("class", "number", "given_name", "family_name")


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)


def pupil_add(
    *, actor: User, class_unit: OrgUnit, external_id: str, given_name: str, family_name: str
) -> Pupil:
    result = pupils_import(
        actor=actor,
        school=class_unit.parent,  # type: ignore[arg-type]
        rows=[
            {
                "class": class_unit.code,
                "number": external_id,
                "given_name": given_name,
                "family_name": family_name,
            }
        ],
    )
    if result.rejected:
        raise InvalidInput(result.rejected[0][1])
    return Pupil.objects.get(school=class_unit.parent, external_id=external_id.strip())


def read_csv(text: str) -> list[dict[str, str]]:
    """Rows of a CSV with the columns class, number, given_name, family_name (any order)."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise InvalidInput(
            _("The file lacks the column(s): %(columns)s.") % {"columns": ", ".join(missing)}
        )
    return list(reader)


def pupils_import(
    *,
    actor: User | None,
    school: OrgUnit,
    rows: Iterable[dict[str, str]],
    progress: Callable[[int], None] | None = None,
) -> ImportResult:
    """Add or update pupils by the school's pupil number. Rejected rows are reported with
    their line number and reason; every accepted row is stored in one transaction."""
    if actor is not None:
        access.require(actor, Perm.PUPIL_MANAGE, school)
    classes = {c.code.lower(): c for c in school.children.filter(kind=OrgUnit.Kind.CLASS)}
    existing = {p.external_id: p for p in Pupil.objects.filter(school=school)}
    result, seen = ImportResult(), set()
    accepted: list[tuple[Pupil, bool]] = []
    for line, row in enumerate(rows, start=2):  # line 1 is the header
        if progress:
            progress(line - 1)
        number = (row.get("number") or "").strip()
        given, family = (
            (row.get("given_name") or "").strip(),
            (row.get("family_name") or "").strip(),
        )
        class_unit = classes.get((row.get("class") or "").strip().lower())
        reason = None
        if class_unit is None:
            reason = _("no class %(code)s in this school") % {"code": row.get("class", "")}
        elif not number:
            reason = _("the pupil number is missing")
        elif number in seen:
            reason = _("pupil number %(number)s appears twice") % {"number": number}
        elif not given or not family:
            reason = _("the given name and the family name are both needed")
        elif len(given) > 100 or len(family) > 100 or len(number) > 40:
            reason = _("a value is too long")
        if reason:
            result.rejected.append((line, reason))
            continue
        seen.add(number)
        pupil = existing.get(number)
        if pupil is None:
            accepted.append(
                (
                    Pupil(
                        school=school,
                        class_unit=class_unit,
                        external_id=number,
                        given_name=given,
                        family_name=family,
                    ),
                    True,
                )
            )
        elif (pupil.class_unit_id, pupil.given_name, pupil.family_name, pupil.active) != (
            class_unit.pk,  # type: ignore[union-attr]
            given,
            family,
            True,
        ):
            pupil.class_unit, pupil.given_name, pupil.family_name = class_unit, given, family  # type: ignore[assignment]
            pupil.active = True
            accepted.append((pupil, False))
        else:
            result.unchanged += 1
    with transaction.atomic():
        for pupil, new in accepted:
            pupil.save()
            if new:
                result.created += 1
            else:
                result.updated += 1
        if result.created or result.updated:
            audit_record(
                actor=actor,
                action="pupils.import",
                obj=school,
                org_unit=school,
                details={"created": result.created, "updated": result.updated},
            )
    return result


def pupils_visible(user: User) -> Any:
    return Pupil.objects.filter(school__in=access.units(user, Perm.PUPIL_VIEW))


def pupil_record_view(*, actor: User, pupil: Pupil) -> None:
    """Who opened which pupil's chronology is audited."""
    with transaction.atomic():
        audit_record(actor=actor, action="pupil.view", obj=pupil, org_unit=pupil.school)


# Apps above orgs add what they know of a pupil to the chronology (cases do, from their
# AppConfig.ready); orgs never imports them. A provider is called as
# ``provider(user=..., pupil=...)`` and returns entries with an ``"at"`` datetime, only what
# that user may see.
TimelineProvider = Callable[..., list[dict[str, Any]]]
TIMELINE_PROVIDERS: list[TimelineProvider] = []


def timeline_register(provider: TimelineProvider) -> None:
    if provider not in TIMELINE_PROVIDERS:
        TIMELINE_PROVIDERS.append(provider)


def pupil_timeline(*, user: User, pupil: Pupil) -> list[dict[str, Any]]:
    """The pupil's chronology from every registered app, oldest first."""
    entries = [e for provider in TIMELINE_PROVIDERS for e in provider(user=user, pupil=pupil)]
    return sorted(entries, key=lambda entry: entry["at"])
