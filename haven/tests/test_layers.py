"""Imports point down the layers, never up, and no two modules import each other.

Every module under ``haven/`` is parsed (tests and migrations aside) and every import is read,
at any depth: one inside a function still ties the two apps together, it only hides it.
"""

import ast
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

HAVEN = Path(__file__).resolve().parent.parent
ROOT = HAVEN.parent

# Lowest first. Apps on the same line are one layer; an app not (yet) present is simply absent.
LAYERS: list[set[str]] = [
    {"lib"},
    {"orgs", "audit", "security"},
    {"procedures", "notify"},
    {"intake"},
    {"cases"},
    {"care", "prevention", "surveys"},
    {"privacy"},
    {"insights"},
    {"reporting"},
    # Project-level modules (haven/urls.py, api.py, settings.py...) and bench.
    {"<project>"},
]
LAYER = {app: rank for rank, apps in enumerate(LAYERS) for app in apps}
# Inside one layer some pairs still have a direction: orgs builds on audit and security.
FORBIDDEN_SIDEWAYS = {("audit", "orgs"), ("security", "orgs")}

# Known, being removed on another branch (issue 13, item 5): the cases mailer.


def _skipped(path: Path) -> bool:
    parts = path.relative_to(ROOT).parts
    return "tests" in parts or "migrations" in parts


def _modules() -> Iterator[tuple[str, Path]]:
    for folder in (HAVEN, ROOT / "bench"):
        for path in sorted(folder.rglob("*.py")):
            if _skipped(path):
                continue
            rel = path.relative_to(ROOT).with_suffix("")
            parts = list(rel.parts)
            if parts[-1] == "__init__":
                parts.pop()
            yield ".".join(parts), path


def _app(module: str) -> str | None:
    """``haven.cases.views`` -> ``cases``; project-level modules and bench -> ``<project>``."""
    parts = module.split(".")
    if parts[0] == "bench":
        return "<project>"
    if parts[0] != "haven":
        return None  # a third-party or standard library module
    if len(parts) == 1:
        return "<project>"
    if (HAVEN / parts[1]).is_dir():
        return parts[1] if parts[1] in LAYER else "<project>"
    return "<project>"


def _imports(module: str, path: Path) -> Iterator[tuple[str, int]]:
    """Every module imported anywhere in the file (``from a import b`` counts ``a.b`` when
    ``b`` is a module, else ``a``), with its line."""
    tree = ast.parse(path.read_text(), filename=str(path))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                candidate = f"{base}.{alias.name}"
                yield (candidate if _is_module(candidate) else base), node.lineno


def _is_module(name: str) -> bool:
    parts = name.split(".")
    if parts[0] not in ("haven", "bench"):
        return False
    target = ROOT.joinpath(*parts)
    return target.with_suffix(".py").is_file() or (target / "__init__.py").is_file()


def _graph() -> dict[str, list[tuple[str, int]]]:
    return {module: list(_imports(module, path)) for module, path in _modules()}


def _violations() -> list[str]:
    found = []
    for module, path in _modules():
        source = _app(module)
        if source is None:
            continue
        for target, line in _imports(module, path):
            dest = _app(target)
            if dest is None or dest == source:
                continue
            upward = LAYER[dest] > LAYER[source]
            if upward or (source, dest) in FORBIDDEN_SIDEWAYS:
                where = path.relative_to(ROOT)
                found.append(f"{where}:{line}: {source} imports {target} ({dest})")
    return list(dict.fromkeys(found))  # one line per import, however many names it takes


def _app_cycles(graph: dict[str, list[tuple[str, int]]]) -> list[list[str]]:
    """Apps of one layer (care, prevention, surveys) may use each other one way only: no
    cycle between apps, of two or more."""
    edges: dict[str, list[tuple[str, int]]] = {}
    for module, targets in graph.items():
        source = _app(module)
        if source is None:
            continue
        found = edges.setdefault(source, [])
        found.extend((dest, line) for t, line in targets if (dest := _app(t)) not in (None, source))
    return _cycles(edges)


def _cycles(graph: dict[str, list[tuple[str, int]]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    edges = {
        m: sorted({t for t, _ in targets if t in graph and t != m}) for m, targets in graph.items()
    }
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []
    counter = 0
    for root in sorted(edges):
        if root in index:
            continue
        work = [(root, iter(edges[root]))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(edges[child])))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        components.append(sorted(component))
    return sorted(components)


def test_no_app_imports_a_higher_layer():
    assert _violations() == []


def test_apps_of_one_layer_do_not_import_each_other_in_a_cycle():
    assert _app_cycles(_graph()) == []


def test_every_app_has_a_layer():
    """A new app is placed in ``LAYERS`` before it lands (else it would count as project-level
    and could import anything)."""
    apps = {p.parent.name for p in HAVEN.glob("*/apps.py")}
    assert apps - set(LAYER) == set()


def test_a_cycle_of_three_apps_is_found():
    graph = {
        "haven.care.views": [("haven.prevention.views", 1)],
        "haven.prevention.views": [("haven.surveys.views", 1)],
        "haven.surveys.views": [("haven.care.views", 1)],
    }
    assert _app_cycles(graph) == [["care", "prevention", "surveys"]]


def test_no_import_cycle_between_modules():
    assert _cycles(_graph()) == []


def test_a_cycle_between_two_modules_is_found():
    graph = {
        "haven.cases.services": [("haven.cases.tasks", 1)],
        "haven.cases.tasks": [("haven.cases.services", 12)],
        "haven.cases.models": [],
    }
    assert [sorted(c) for c in _cycles(graph)] == [["haven.cases.services", "haven.cases.tasks"]]


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("from haven.cases.models import Case\n", ["haven.cases.models"]),
        ("def f():\n    from haven.cases import selectors\n", ["haven.cases.selectors"]),
        ("import haven.surveys.models\n", ["haven.surveys.models"]),
        ("from .models import x\n", ["haven.orgs.models"]),
        ("from . import access\n", ["haven.orgs.access"]),
    ],
)
def test_imports_are_read_at_any_depth_and_relative_ones_resolved(tmp_path, source, expected):
    path = tmp_path / "views.py"
    path.write_text(source)
    assert [t for t, _ in _imports("haven.orgs.views", path)] == expected


def test_an_upward_import_is_named_with_file_and_line(monkeypatch, tmp_path):
    fake = tmp_path / "haven" / "lib" / "x.py"
    fake.parent.mkdir(parents=True)
    fake.write_text("import os\n\ndef f():\n    from haven.cases.models import Case\n")
    here = sys.modules[__name__]
    monkeypatch.setattr(here, "_modules", lambda: iter([("haven.lib.x", fake)]))
    monkeypatch.setattr(here, "ROOT", tmp_path)
    assert _violations() == ["haven/lib/x.py:4: lib imports haven.cases.models (cases)"]
