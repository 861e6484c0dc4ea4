"""The package's layers: every import (those inside functions included) points down the stage order.

    core < content < checks | assets < html | engine < layout < pdf < proof < reader < app < cli

A module may import from a lower layer or from its own subpackage; siblings joined by `|` never
import each other; no cycle of any length; only `engine/` imports WeasyPrint beyond its public
`HTML`, `CSS` and `__version__`. Imports under `if TYPE_CHECKING:` are for annotations only.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "booklet"
LAYERS = [("core",), ("content",), ("checks", "assets"), ("html", "engine"), ("layout",), ("pdf",)]
LAYERS += [("proof",), ("reader",), ("app",), ("cli",), ("__main__",)]
RANK = {name: rank for rank, names in enumerate(LAYERS) for name in names}
PUBLIC_WEASYPRINT = {"HTML", "CSS", "__version__"}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _type_checking_only(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> bool:
    while node in parents:
        node = parents[node]
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            return True
    return False


def imports(path: Path) -> list[tuple[int, str, list[str]]]:
    """(line, module imported, names taken from it) of every import in the file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    here = module_name(path).split(".")
    package = here if path.name == "__init__.py" else here[:-1]
    out = []
    for node in ast.walk(tree):
        if _type_checking_only(node, parents):
            continue
        if isinstance(node, ast.Import):
            out += [(node.lineno, alias.name, []) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package[: len(package) - node.level + 1] + ([base] if base else []))
            names = [alias.name for alias in node.names]
            if base in ("booklet", *(module_name(p) for p in PACKAGE.rglob("__init__.py"))):
                out += [(node.lineno, f"{base}.{name}", []) for name in names]  # from pkg import module
            else:
                out.append((node.lineno, base, names))
    return out


def booklet_modules() -> dict[str, Path]:
    return {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def stage(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "booklet"


def graph() -> dict[str, dict[str, int]]:
    """module → {booklet module it imports: line}."""
    modules = booklet_modules()
    edges: dict[str, dict[str, int]] = {}
    for name, path in modules.items():
        edges[name] = {}
        for line, target, _ in imports(path):
            while target and target not in modules:  # `from booklet.x import name` of a name, not a module
                target = target.rpartition(".")[0]
            if target and target != name and target.startswith("booklet"):
                edges[name].setdefault(target, line)
    return edges


def layer_violations() -> list[str]:
    out = []
    modules = booklet_modules()
    for name, targets in graph().items():
        source = stage(name)
        for target, line in targets.items():
            goal = stage(target)
            if goal == "booklet" or source == goal:
                continue  # the package's own __init__ (its version); a module of the same stage
            if source == "booklet" or RANK[goal] >= RANK[source]:
                where = modules[name].relative_to(PACKAGE.parent)
                out.append(f"{where}:{line} imports {target} ({source} may not import {goal})")
    return out


def cycles() -> list[list[str]]:
    """Every strongly connected set of more than one module (Tarjan)."""
    edges = graph()
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in edges.get(node, {}):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            members = []
            while True:
                member = stack.pop()
                members.append(member)
                if member == node:
                    break
            if len(members) > 1:
                found.append(sorted(members))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def test_every_stage_has_a_layer():
    stages = {stage(name) for name in booklet_modules()} - {"booklet"}
    assert stages <= set(RANK), f"stages without a layer: {stages - set(RANK)}"
    assert {"core", "content", "engine", "layout", "pdf", "app"} <= stages


def test_imports_point_down_the_layers():
    assert layer_violations() == []


def test_no_import_cycle():
    assert cycles() == []


def test_only_the_engine_touches_weasyprint_internals():
    wrong = []
    for name, path in booklet_modules().items():
        if stage(name) == "engine":
            continue
        for line, target, names in imports(path):
            if target.startswith("weasyprint") and (target != "weasyprint" or set(names) - PUBLIC_WEASYPRINT):
                wrong.append(f"{path.relative_to(PACKAGE.parent)}:{line} imports {target} {names}")
        text = path.read_text(encoding="utf-8")
        for attribute in ("_page_box", "tb_frame", "f_locals", "LazyLocalImage"):
            if attribute in text:
                wrong.append(f"{path.relative_to(PACKAGE.parent)} uses {attribute}")
    assert wrong == []


def test_the_checks_can_fail(tmp_path, monkeypatch):
    """The walk sees imports inside functions, upward and sideways arrows and cycles."""
    package = tmp_path / "booklet"
    for folder in ("core", "html", "engine"):
        (package / folder).mkdir(parents=True)
        (package / folder / "__init__.py").write_text("")
    (package / "__init__.py").write_text("")
    (package / "core" / "a.py").write_text("def f():\n    from booklet.html import b\n")
    (package / "html" / "b.py").write_text("from booklet.engine.c import x\n")
    (package / "engine" / "c.py").write_text("from ..html import b\nimport weasyprint\n")
    monkeypatch.setattr(sys.modules[__name__], "PACKAGE", package)
    found = layer_violations()
    assert any(v.startswith("booklet/core/a.py:2 imports booklet.html.b") for v in found), found
    assert any("booklet/html/b.py:1" in v for v in found) and any("booklet/engine/c.py:1" in v for v in found)
    assert cycles() == [["booklet.engine.c", "booklet.html.b"]]
