"""Jurisdictions and demo data, loaded idempotently: a second run changes nothing."""

import json
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils.text import slugify

from haven.audit.services import audit_record
from haven.orgs import services
from haven.orgs.models import Jurisdiction, Membership, OrgUnit, Pupil, User

DATA = Path(__file__).resolve().parent / "data"
JURISDICTION_FIELDS = (
    "names",
    "languages",
    "time_zone",
    "first_response_hours",
    "phone_numbers",
    "procedure_code",
    "weekend_days",
)


def jurisdictions_load(path: Path = DATA / "jurisdictions.json") -> int:
    """Create or update jurisdictions from their data file; returns how many changed."""
    changed = 0
    for item in json.loads(path.read_text(encoding="utf-8"))["jurisdictions"]:
        values = {field: item[field] for field in JURISDICTION_FIELDS}
        with transaction.atomic():
            current = Jurisdiction.objects.filter(code=item["code"]).first()
            if current and all(getattr(current, f) == v for f, v in values.items()):
                continue
            jurisdiction, _created = Jurisdiction.objects.update_or_create(
                code=item["code"], defaults=values
            )
            audit_record(
                actor=None,
                action="jurisdiction.load",
                obj=jurisdiction,
                details={"file": path.name},
            )
            changed += 1
    return changed


def class_code(name: str, position: int) -> str:
    return slugify(name)[:32] or f"class-{position}"


def _unit(parent: OrgUnit | None, spec: dict[str, Any], jurisdictions: dict[str, Any]) -> OrgUnit:
    existing = OrgUnit.objects.filter(parent=parent, code=spec["code"]).first()
    if existing:
        return existing
    return services.orgunit_create(
        actor=None,
        parent=parent,
        kind=spec["kind"],
        code=spec["code"],
        name=spec["name"],
        jurisdiction=jurisdictions.get(spec.get("jurisdiction", "")),
    )


def _tree(
    parent: OrgUnit | None,
    specs: list[dict[str, Any]],
    prefix: str,
    jurisdictions: dict[str, Any],
    index: dict[str, OrgUnit],
) -> None:
    for spec in specs:
        unit = _unit(parent, spec, jurisdictions)
        key = f"{prefix}{spec['code']}"
        index[key] = unit
        for position, name in enumerate(spec.get("classes", []), start=1):
            child = {"kind": OrgUnit.Kind.CLASS, "code": class_code(name, position), "name": name}
            _unit(unit, child, jurisdictions)
        _tree(unit, spec.get("children", []), f"{key}/", jurisdictions, index)


def demo_load(path: Path = DATA / "demo.json") -> dict[str, int]:
    """Load the demo organisation tree and one user per role. Safe to run again."""
    data = json.loads(path.read_text(encoding="utf-8"))
    before = _counts()
    jurisdictions_load()
    jurisdictions = {j.code: j for j in Jurisdiction.objects.all()}
    index: dict[str, OrgUnit] = {}
    _tree(None, data["tree"], "", jurisdictions, index)
    for spec in data["users"]:
        user = User.objects.filter(email__iexact=spec["email"]).first()
        if user is None:
            user = services.user_create(
                actor=None,
                email=spec["email"],
                full_name=spec["full_name"],
                password=data["password"],
                language=spec.get("language", ""),
            )
        for role, unit_key in spec["roles"]:
            services.membership_grant(actor=None, user=user, unit=index[unit_key], role=role)
    # A roster for the demo school, so cases can name pupils from it.
    from haven.orgs.pupils import pupils_import, read_csv

    roster = read_csv((DATA / "demo_pupils.csv").read_text(encoding="utf-8"))
    pupils_import(actor=None, school=index["RO/CJ/CLJ/RO-CJ-CLJ-1"], rows=roster)
    after = _counts()
    return {name: after[name] - before[name] for name in after}


def _counts() -> dict[str, int]:
    return {
        "jurisdictions": Jurisdiction.objects.count(),
        "units": OrgUnit.objects.count(),
        "users": User.objects.count(),
        "memberships": Membership.objects.count(),
        "pupils": Pupil.objects.count(),
    }
