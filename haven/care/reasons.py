"""The configurable list of reasons a pupil is of concern: a data file with its own
translations, validated on load with the file and line of any mistake (as procedure files)."""

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from haven.lib.datafile import ALL_LANGUAGES, LANGUAGES, DataFileError, read_yaml
from haven.lib.i18n import pick

REASONS_FILE = Path(__file__).resolve().parent / "data" / "concern_reasons.yaml"
CODE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


class ReasonFileError(DataFileError):
    pass


@dataclass(frozen=True)
class Reason:
    code: str
    names: dict[str, str]

    @property
    def name(self) -> str:
        return pick(self.names)


def load_reasons(path: Path = REASONS_FILE) -> list[Reason]:
    """Every reason of the file, in its order; a mistake is refused with file and line."""
    root: Any = read_yaml(path, ReasonFileError)

    def fail(node: Any, message: str) -> ReasonFileError:
        return ReasonFileError(path, getattr(node, "line", None), message)

    if not isinstance(root, dict) or not isinstance(root.get("reasons"), list):
        raise fail(root, "expected a mapping with a list 'reasons'")
    if not root["reasons"]:
        raise fail(root, "'reasons' must list at least one reason")
    reasons: list[Reason] = []
    for item in root["reasons"]:
        if not isinstance(item, dict):
            raise fail(root, "each reason must be a mapping with 'code' and 'name'")
        code = item.get("code")
        if not isinstance(code, str) or not CODE.match(code):
            raise fail(item, "'code' must be lower-case letters, digits or _ (at most 40)")
        if code in {r.code for r in reasons}:
            raise fail(item, f"code {code!r} is used twice")
        names = item.get("name")
        if not isinstance(names, dict):
            raise fail(item, "missing 'name' with a text per language")
        missing = [lang for lang in LANGUAGES if not names.get(lang)]
        if missing:
            raise fail(names, f"name lacks a translation for {', '.join(missing)}")
        extra = sorted(str(key) for key in names if key not in ALL_LANGUAGES)
        if extra or not all(isinstance(value, str) for value in names.values()):
            raise fail(
                names,
                f"name must give exactly {', '.join(LANGUAGES)} as text "
                f"(unexpected: {', '.join(extra) or 'a value that is not text'})",
            )
        unknown = sorted(set(item) - {"code", "name"})
        if unknown:
            raise fail(item, f"unknown key(s) {', '.join(unknown)}")
        reasons.append(Reason(code=code, names=dict(names)))
    return reasons


@cache
def reasons() -> list[Reason]:
    return load_reasons()


def reason_codes() -> set[str]:
    return {reason.code for reason in reasons()}


def reason_name(code: str) -> str:
    """The reason's name in the active language; an unknown (retired) code as it is."""
    return next((r.name for r in reasons() if r.code == code), code)
