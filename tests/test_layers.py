"""The package's layering stays true: no import from a lower layer to a higher one, and no circle.

Layers, bottom to top (see ``geo/__init__.py``): the shared modules (``geo.errors``,
``geo.yamlfile``, ``geo.csvfile``, ``geo.frozen``, ``geo.atomic``, ``geo.lru``),
``geo.atlas``, ``geo.plan``, ``geo.render``, ``geo.web``, then ``geo.export``,
``geo.cli`` and ``app``. Every import counts, including those inside functions and under
``TYPE_CHECKING``: a lazy import is still a dependency.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

LAYERS = {
    "geo.errors": 0,
    "geo.yamlfile": 0,
    "geo.lru": 0,
    "geo.csvfile": 0,
    "geo.frozen": 0,
    "geo.atomic": 0,
    "geo.atlas": 1,
    "geo.plan": 2,
    "geo.render": 3,
    "geo.web": 4,
    "geo.export": 5,
    "geo.cli": 5,
    "app": 5,
}


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def project_modules(root: Path) -> dict[str, Path]:
    files = [*sorted((root / "geo").rglob("*.py"))]
    if (root / "app.py").exists():
        files.append(root / "app.py")
    return {module_name(f, root): f for f in files}


def imported_modules(path: Path, name: str, known: set[str]) -> Iterator[tuple[str, int]]:
    """Every project module that ``path`` imports, with the line of the import."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            # ``from geo.render import maps`` imports the module geo.render.maps.
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in known else base for a in node.names]
        else:
            continue
        for target in targets:
            # ``import geo.atlas.model`` and ``from geo.atlas.model import Atlas`` both name a module.
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target != name:
                yield target, node.lineno


def layer_of(module: str) -> int:
    for prefix, rank in sorted(LAYERS.items(), key=lambda kv: -len(kv[0])):
        if module == prefix or module.startswith(prefix + "."):
            return rank
    raise AssertionError(f"{module}: no layer; add it to a layer folder (see geo/__init__.py)")


def import_graph(root: Path) -> tuple[dict[str, set[str]], list[str]]:
    """The module graph, and every upward import as ``file:line: a imports b``."""
    modules = project_modules(root)
    known = set(modules)
    graph: dict[str, set[str]] = {name: set() for name in modules}
    upward = []
    for name, path in modules.items():
        for target, line in imported_modules(path, name, known):
            graph[name].add(target)
            if layer_of(target) > layer_of(name):
                upward.append(f"{path.relative_to(root)}:{line}: {name} (layer {layer_of(name)}) "
                              f"imports {target} (layer {layer_of(target)})")
    return graph, upward


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Each import circle once, found by a depth-first walk."""
    found, state, stack = [], {}, []

    def visit(node: str) -> None:
        state[node] = "open"
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == "open":
                found.append([*stack[stack.index(nxt):], nxt])
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            visit(node)
    return found


def test_no_module_left_at_the_top_of_geo_that_belongs_to_a_layer():
    top = {p.stem for p in (ROOT / "geo").glob("*.py")}
    assert top == {"__init__", "errors", "yamlfile", "lru", "csvfile", "frozen", "atomic", "export", "cli"}


def test_every_module_is_in_a_layer():
    for name in project_modules(ROOT):
        if name != "geo":
            layer_of(name)


def test_no_upward_import():
    _, upward = import_graph(ROOT)
    assert upward == []


def test_no_import_circle():
    graph, _ = import_graph(ROOT)
    assert cycles(graph) == []


def test_each_layer_says_what_it_owns_and_may_not_import():
    for package in ("atlas", "plan", "render", "web"):
        doc = ast.get_docstring(ast.parse((ROOT / "geo" / package / "__init__.py").read_text()))
        assert doc and ("may import" in doc.lower() or "may not import" in doc.lower()), package


# The checker itself must catch what it guards against: a tree with one upward import and
# one circle (the one this layout removed: plan ↔ queries through a lazy import).
@pytest.fixture
def bad_tree(tmp_path: Path) -> Path:
    files = {
        "geo/__init__.py": "",
        "geo/errors.py": "",
        "geo/atlas/__init__.py": "",
        "geo/atlas/model.py": "from geo.render import maps\n",
        "geo/plan/__init__.py": "",
        "geo/plan/model.py": "def f():\n    from geo.plan.queries import g\n",
        "geo/plan/queries.py": "from .model import f\n",
        "geo/render/__init__.py": "",
        "geo/render/maps.py": "import geo.atlas.model\n",
    }
    for rel, text in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    return tmp_path


def test_the_checker_finds_an_upward_import_and_a_circle(bad_tree: Path):
    graph, upward = import_graph(bad_tree)
    assert upward == ["geo/atlas/model.py:1: geo.atlas.model (layer 1) imports geo.render.maps (layer 3)"]
    circles = {tuple(c) for c in cycles(graph)}
    assert ("geo.plan.model", "geo.plan.queries", "geo.plan.model") in circles
    assert ("geo.atlas.model", "geo.render.maps", "geo.atlas.model") in circles
