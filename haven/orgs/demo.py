"""Jurisdictions and demo data, loaded idempotently: a second run changes nothing."""

import csv
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils.text import slugify

from haven.audit.services import audit_record
from haven.lib.datafile import DataFileError, Reader, languages_for, read_yaml
from haven.orgs import services
from haven.orgs.models import Jurisdiction, Membership, OrgUnit, Pupil, User
from haven.orgs.templatetags.haven import PHONE_KINDS

DATA = Path(__file__).resolve().parent / "data"
JURISDICTION_FIELDS = (
    "names",
    "languages",
    "time_zone",
    "first_response_hours",
    "acknowledge_minutes",
    "phone_numbers",
    "procedure_code",
    "weekend_days",
)


# What may be dialled: digits, spaces and dashes, perhaps after a "+".
PHONE_NUMBER = re.compile(r"^\+?[0-9][0-9 -]*$")


class JurisdictionFileError(DataFileError):
    pass


class _JurisdictionReader(Reader):
    """Reads the jurisdictions file (JSON, read as YAML to know each entry's line)."""

    error = JurisdictionFileError

    def phone_number(self, node: Any, code: str, position: int) -> dict[str, Any]:
        number = self.get(node, "number", str) if isinstance(node, dict) else None
        entry = f"{code}, number {number or position}"
        if number is None or not PHONE_NUMBER.match(number):
            raise self.fail(node, f"{entry}: 'number' must be digits, spaces or dashes")
        kind = self.get(node, "kind", str)
        if kind not in PHONE_KINDS:
            raise self.fail(
                node, f"{entry}: unknown kind {kind!r} (one of {', '.join(sorted(PHONE_KINDS))})"
            )
        return {"kind": kind, "number": number, "label": self.texts(node, "label", entry=entry)}

    def jurisdiction(self, node: Any) -> dict[str, Any]:
        code = self.get(node, "code", str)
        self.languages = languages_for(code)
        values: dict[str, Any] = {"code": code}
        for field in JURISDICTION_FIELDS:
            self.get(node, field, (str, int, list, dict))
            values[field] = node[field]
        values["names"] = self.texts(node, "names", entry=code)
        numbers = self.get(node, "phone_numbers", list)
        values["phone_numbers"] = [
            self.phone_number(item, code, position)
            for position, item in enumerate(numbers, start=1)
        ]
        return values


def jurisdictions_read(path: Path = DATA / "jurisdictions.json") -> list[dict[str, Any]]:
    """The jurisdictions in the file, validated: every name and every help number's name in
    Haven's languages (Kazakh where the jurisdiction's files must give it). A mistake raises
    JurisdictionFileError naming file, line, entry."""
    reader = _JurisdictionReader(path)
    root = read_yaml(path, JurisdictionFileError)
    items = reader.get(root, "jurisdictions", list)
    found = [reader.jurisdiction(item) for item in items]
    codes = [item["code"] for item in found]
    if len(set(codes)) != len(codes):
        raise reader.fail(root, "a jurisdiction code is used twice")
    # Plain values (not the reader's line-remembering mappings), as stored in the database.
    plain: list[dict[str, Any]] = json.loads(json.dumps(found))
    return plain


def jurisdictions_load(path: Path = DATA / "jurisdictions.json") -> int:
    """Create or update jurisdictions from their data file; returns how many changed.
    The whole file is checked first: one mistake and nothing is loaded."""
    changed = 0
    for item in jurisdictions_read(path):
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
        _demo_totp_enrol(user, data["totp_secret"])
    schools = {unit.code: unit for unit in index.values() if unit.kind == OrgUnit.Kind.SCHOOL}
    demo_pupils_load(schools, _class_codes(data["tree"]))
    after = _counts()
    return {name: after[name] - before[name] for name in after}


def _demo_totp_enrol(user: User, secret: str) -> None:
    """Every demo account shares one authenticator secret (printed with the demo logins and
    in the README), so anyone can add it to an app and try the second factor."""
    from allauth.mfa.models import Authenticator
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
    from allauth.mfa.totp.internal.auth import TOTP

    if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        TOTP.activate(user, secret)
        RecoveryCodes.activate(user)


def _class_codes(specs: list[dict[str, Any]]) -> dict[str, dict[str, str]]:
    """Each demo school's classes: {school code: {class name: class code}}."""
    found: dict[str, dict[str, str]] = {}
    for spec in specs:
        classes = spec.get("classes", [])
        if classes:
            found[spec["code"]] = {
                name: class_code(name, position) for position, name in enumerate(classes, start=1)
            }
        found.update(_class_codes(spec.get("children", [])))
    return found


def demo_pupils_load(
    schools: dict[str, OrgUnit],
    classes: dict[str, dict[str, str]],
    path: Path = DATA / "demo_pupils.csv",
) -> None:
    """A small roster in every demo school, so cases, registers and rosters can name pupils.
    The file names each pupil's school by code and class by name (as in demo.json)."""
    from haven.orgs.pupils import pupils_import

    rows: dict[str, list[dict[str, str]]] = {}
    with path.open(encoding="utf-8", newline="") as handle:
        for line, row in enumerate(csv.DictReader(handle), start=2):
            school = row["school"]
            code = classes.get(school, {}).get(row["class"])
            if school not in schools or code is None:
                raise ValueError(f"{path.name}, line {line}: no class {row['class']!r} in {school}")
            rows.setdefault(school, []).append({**row, "class": code})
    for school, roster in rows.items():
        result = pupils_import(actor=None, school=schools[school], rows=roster)
        if result.rejected:
            raise ValueError(f"{path.name}, {school}: {result.rejected}")


def _counts() -> dict[str, int]:
    return {
        "jurisdictions": Jurisdiction.objects.count(),
        "units": OrgUnit.objects.count(),
        "users": User.objects.count(),
        "memberships": Membership.objects.count(),
        "pupils": Pupil.objects.count(),
    }


# Apps above orgs add their demo data on the demo school (surveys do, from their
# AppConfig.ready): each loader is (what it adds, a function of the school returning how many).
DEMO_LOADERS: list[tuple[str, Callable[[OrgUnit], int]]] = []


def demo_loader_register(name: str, loader: Callable[[OrgUnit], int]) -> None:
    if all(known is not loader for _, known in DEMO_LOADERS):
        DEMO_LOADERS.append((name, loader))
