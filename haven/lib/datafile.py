"""Reading Haven's data files (procedures, survey instruments, plan templates, reason lists):
YAML that remembers line numbers, so a mistake is refused naming the file and the line."""

from pathlib import Path
from typing import Any

import yaml

# Every data file carries its texts in these six of Haven's languages.
LANGUAGES = ("en", "ro", "ru", "nl", "zh-hans", "vi")
# Kazakh came later: required in Kazakhstan's own files (its procedure and calendar, which only
# its schools read), optional elsewhere; where a text lacks it, a Kazakh reader gets the Russian
# (lib.i18n.pick), which Kazakhstan's schools also use.
OPTIONAL_LANGUAGES = ("kk",)
ALL_LANGUAGES = LANGUAGES + OPTIONAL_LANGUAGES
JURISDICTION_LANGUAGES = {"KZ": ("kk",)}


def languages_for(jurisdiction: str) -> tuple[str, ...]:
    """The languages a jurisdiction's own data file (procedure, calendar) must give."""
    return LANGUAGES + JURISDICTION_LANGUAGES.get(jurisdiction.upper(), ())


class DataFileError(Exception):
    def __init__(self, path: Path | str, line: int | None, message: str):
        self.path, self.line, self.message = str(path), line, message
        where = f"{Path(self.path).name}, line {line}" if line else Path(self.path).name
        super().__init__(f"{where}: {message}")


class Map(dict):  # type: ignore[type-arg]
    """A mapping that remembers the line it started on."""

    line: int = 0


class LineLoader(yaml.SafeLoader):
    pass


def _construct_map(loader: LineLoader, node: yaml.MappingNode) -> Map:
    mapping = Map(loader.construct_mapping(node, deep=True))
    mapping.line = node.start_mark.line + 1
    return mapping


LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_map)


def read_yaml(path: Path, error: type[DataFileError] = DataFileError) -> Any:
    """The parsed file, its mappings marked with their lines; bad YAML raises ``error``."""
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=LineLoader)  # noqa: S506
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else None
        raise error(path, line, f"not valid YAML: {exc.problem}") from exc


class Reader:
    """Reads one file's parsed YAML, raising ``error`` with the nearest line."""

    error: type[DataFileError] = DataFileError
    # The languages ``texts`` requires unless told otherwise (see ``languages_for``).
    languages: tuple[str, ...] = LANGUAGES

    def __init__(self, path: Path | str):
        self.path = path

    def fail(self, node: Any, message: str) -> DataFileError:
        return self.error(self.path, getattr(node, "line", None), message)

    def get(self, node: Any, key: str, kind: type | tuple[type, ...], required: bool = True) -> Any:
        if not isinstance(node, dict):
            raise self.fail(node, f"expected a mapping with {key!r}")
        if key not in node:
            if required:
                raise self.fail(node, f"missing {key!r}")
            return None
        value = node[key]
        # YAML's yes/no are booleans, and a boolean is an int in Python: not a number here.
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            names = kind.__name__ if isinstance(kind, type) else "/".join(k.__name__ for k in kind)
            raise self.fail(node, f"{key!r} must be a {names}")
        return value

    def texts(
        self,
        node: Any,
        key: str,
        *,
        required: bool = True,
        languages: tuple[str, ...] | None = None,
        entry: str = "",
    ) -> dict[str, str]:
        """A text per language under ``key``: each of ``languages`` (default: the reader's)
        given, nothing outside Haven's languages, all text (blank ones dropped). ``entry``
        names the item in errors."""
        languages = self.languages if languages is None else languages
        texts = self.get(node, key, dict, required)
        if texts is None:
            return {}
        where = f"{entry}: " if entry else ""
        missing = [lang for lang in languages if not str(texts.get(lang) or "").strip()]
        if missing:
            raise self.fail(node, f"{where}{key} lacks a translation for {', '.join(missing)}")
        # An unquoted comma in {en: a, b} silently splits a text: refuse strays and non-text.
        extra = sorted(str(k) for k in texts if k not in ALL_LANGUAGES)
        if extra or not all(isinstance(value, str) for value in texts.values()):
            optional = [lang for lang in ALL_LANGUAGES if lang not in languages]
            also = f" (and optionally {', '.join(optional)})" if optional else ""
            raise self.fail(
                node,
                f"{where}{key} must give exactly {', '.join(languages)}{also} as text "
                f"(unexpected: {', '.join(extra) or 'a value that is not text'}; "
                f"quote {key}s that contain a comma)",
            )
        return {str(k): v.strip() for k, v in texts.items() if v.strip()}
