"""Retention policies: how long each kind of content is kept, as a data file per
jurisdiction (``data/<code>.yaml``, else ``data/GEN.yaml``), read with line-numbered errors."""

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from haven.lib.datafile import DataFileError, Reader, read_yaml

DATA = Path(__file__).resolve().parent / "data"
DEFAULT_CODE = "GEN"

# The kinds of content a policy must cover, in the order pages list them.
RULES = (
    "closed_cases",
    "dismissed_reports",
    "reports_without_case",
    "unused_receipts",
    "messages_and_files",
    "concerns_after_leaving",
    "audit_events",
)


class PolicyError(DataFileError):
    pass


@dataclass(frozen=True)
class Rule:
    days: int
    default: bool  # Haven's own choice, not from a legal text
    source: str


@dataclass(frozen=True)
class Policy:
    code: str
    warn_days: int
    rules: dict[str, Rule]

    def days(self, rule: str) -> int:
        return self.rules[rule].days


class _PolicyReader(Reader):
    error = PolicyError


def load_file(path: Path, code: str) -> Policy:
    reader = _PolicyReader(path)
    root = read_yaml(path, PolicyError)
    if reader.get(root, "version", int) != 1:
        raise reader.fail(root, "only version 1 is known")
    warn_days = reader.get(root, "warn_days", int)
    if warn_days < 1:
        raise reader.fail(root, "warn_days must be at least 1")
    rules_node = reader.get(root, "rules", dict)
    unknown = sorted(str(k) for k in rules_node if k not in RULES)
    if unknown:
        raise reader.fail(rules_node, f"unknown rule {', '.join(unknown)}")
    rules: dict[str, Rule] = {}
    for name in RULES:
        node: Any = reader.get(rules_node, name, dict)
        days = reader.get(node, "days", int)
        if days < 1:
            raise reader.fail(node, f"{name}: days must be at least 1")
        default = reader.get(node, "default", bool, required=False) or False
        source = reader.get(node, "source", str, required=False) or ""
        # A period is either Haven's default or written in a law: say which.
        if not default and not source.strip():
            raise reader.fail(node, f"{name}: give the legal source, or mark it default: true")
        rules[name] = Rule(days=days, default=default, source=source.strip())
    return Policy(code=code, warn_days=warn_days, rules=rules)


@cache
def policy_for(code: str) -> Policy:
    """The policy of the jurisdiction ``code``: its own file, else the general one."""
    path = DATA / f"{code}.yaml"
    if not path.exists():
        path, code = DATA / f"{DEFAULT_CODE}.yaml", DEFAULT_CODE
    return load_file(path, code)


def all_policies() -> dict[str, Policy]:
    """Every policy file, by code (checked at start-up by the tests)."""
    return {p.stem: load_file(p, p.stem) for p in sorted(DATA.glob("*.yaml"))}
