"""docs/findings.md documents every finding code the program can emit, and no code it cannot.

The emitted codes are read from the source, not from a list kept by hand: every `*.py` file under
booklet/ (recursively, whatever its subfolders) is parsed, every call that makes a finding is found
and its code argument is resolved to string constants. A code argument that is not a constant is
followed through the few shapes the code uses (a conditional, a local variable, a parameter passed
by the callers, a value yielded by a generator, the `code` of a caught exception); anything else
makes the test fail, naming the file and line, so that a new kind of dynamic code cannot slip by.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "booklet"
REFERENCE = ROOT / "docs" / "findings.md"

CODE = re.compile(r"[a-z][a-z0-9]*(?:\.[a-z0-9][a-z0-9-]*)+")  # image.missing, text.simplified-char
SEVERITIES = ("error", "warning", "info")
REPORT_METHODS = ("error", "warning")  # Report.error(code, message, …), Report.warning(code, message, …)
LOGGER = re.compile(r"(?i)(^|\.)(_?log|_?logger|logging)$")  # LOGGER.warning(…) is not a finding
MINIMUM_CODES = 40  # 63 when this was written: far fewer means the walk has stopped seeing the calls


class Unresolved(Exception):
    """A code argument the walk cannot turn into string constants."""


@dataclass
class Module:
    path: Path
    name: str  # the path from the package's parent folder: booklet/…/x.py
    tree: ast.Module
    parents: dict[ast.AST, ast.AST] = field(default_factory=dict)

    def where(self, node: ast.AST) -> str:
        return f"{self.name}:{getattr(node, 'lineno', '?')}"

    def function_of(self, node: ast.AST) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
        node = self.parents.get(node)
        while node is not None and not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            node = self.parents.get(node)
        return node

    def class_of(self, node: ast.AST) -> ast.ClassDef | None:
        node = self.parents.get(node)
        while node is not None and not isinstance(node, ast.ClassDef):
            node = self.parents.get(node)
        return node


def callee_name(call: ast.Call) -> str | None:
    if isinstance(call.func, ast.Name):
        return call.func.id
    if isinstance(call.func, ast.Attribute):
        return call.func.attr
    return None


class Package:
    """Every module of the package, with an index of its functions, classes and calls."""

    def __init__(self, folder: Path):
        self.modules: list[Module] = []
        for path in sorted(folder.rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            module = Module(path, path.relative_to(folder.parent).as_posix(), tree)
            for parent in ast.walk(tree):
                for child in ast.iter_child_nodes(parent):
                    module.parents[child] = parent
            self.modules.append(module)
        self.functions: dict[str, list[tuple[Module, ast.FunctionDef]]] = {}
        self.classes: dict[str, list[tuple[Module, ast.ClassDef]]] = {}
        self.calls: dict[str, list[tuple[Module, ast.Call]]] = {}
        for module in self.modules:
            for node in ast.walk(module.tree):
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    self.functions.setdefault(node.name, []).append((module, node))
                elif isinstance(node, ast.ClassDef):
                    self.classes.setdefault(node.name, []).append((module, node))
                elif isinstance(node, ast.Call) and callee_name(node):
                    self.calls.setdefault(callee_name(node), []).append((module, node))

    # ------------------------------------------------------------ the calls that make findings

    def finding_calls(self):
        """(module, call, severities, code argument) for every call that makes a finding."""
        for module in self.modules:
            for call in (n for n in ast.walk(module.tree) if isinstance(n, ast.Call)):
                made = self._makes_finding(module, call)
                if made is None:
                    continue
                severities, code = made
                if code is None:
                    raise Unresolved(f"{module.where(call)}: a finding is made without a code argument")
                if self._forwarded_by_report(module, call, code):
                    continue
                yield module, call, severities, code

    def _makes_finding(self, module: Module, call: ast.Call):
        name = callee_name(call)
        if name == "Finding":  # Finding(severity, code, message, …)
            severity = _argument(module, call, 0, "severity")
            if not (isinstance(severity, ast.Constant) and severity.value in SEVERITIES):
                if not self._forwarded_by_report(module, call, _argument(module, call, 1, "code")):
                    raise Unresolved(f"{module.where(call)}: a Finding whose severity is not a constant")
                return set(), _argument(module, call, 1, "code")
            return {severity.value}, _argument(module, call, 1, "code")
        if name == "replace" and any(
            k.arg == "code" for k in call.keywords
        ):  # dataclasses.replace(finding, code=…)
            return set(), _argument(module, call, -1, "code")
        if isinstance(call.func, ast.Attribute) and call.func.attr in REPORT_METHODS:
            if LOGGER.search(ast.unparse(call.func.value)):
                return None
            return {call.func.attr}, _argument(module, call, 0, "code")
        if isinstance(call.func, ast.Name):  # severity = report.error if strict else report.warning
            methods = self._bound_report_methods(module, call, call.func.id)
            if methods:
                return methods, _argument(module, call, 0, "code")
        return None

    def _bound_report_methods(self, module: Module, call: ast.Call, name: str) -> set[str]:
        function = module.function_of(call)
        found: set[str] = set()
        for node in ast.walk(function) if function else ():
            if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == name for t in node.targets
            ):
                for value in _alternatives(node.value):
                    if isinstance(value, ast.Attribute) and value.attr in REPORT_METHODS:
                        found.add(value.attr)
        return found

    def _forwarded_by_report(self, module: Module, call: ast.Call, code: ast.AST | None) -> bool:
        """Report.error/warning build their Finding from their own `code` parameter: their callers
        are the finding calls, collected one by one."""
        function = module.function_of(call)
        return (
            function is not None
            and function.name in REPORT_METHODS
            and module.class_of(function) is not None
            and isinstance(code, ast.Name)
            and code.id in _parameters(function)
        )

    # ------------------------------------------------------------ resolving a code argument

    def resolve(self, module: Module, node: ast.AST, seen: frozenset = frozenset()) -> set[str]:
        key = (module.path, getattr(node, "lineno", None), getattr(node, "col_offset", None), ast.dump(node))
        if key in seen:
            return set()
        seen |= {key}
        if isinstance(node, ast.Constant):
            if isinstance(node.value, str) and CODE.fullmatch(node.value):
                return {node.value}
            raise Unresolved(f"{module.where(node)}: {node.value!r} is not a finding code")
        if isinstance(node, ast.IfExp):
            return self.resolve(module, node.body, seen) | self.resolve(module, node.orelse, seen)
        if isinstance(node, ast.Name):
            return self._resolve_name(module, node, seen)
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            return self._resolve_caught(module, node, seen)
        raise Unresolved(f"{module.where(node)}: cannot resolve the finding code {ast.unparse(node)}")

    def _resolve_name(self, module: Module, name: ast.Name, seen: frozenset) -> set[str]:
        function = module.function_of(name)
        if function is None:
            raise Unresolved(f"{module.where(name)}: the code {name.id} is not a constant")
        if name.id in _parameters(function):
            return self._resolve_parameter(module, function, name.id, seen)
        found: set[str] = set()
        resolved = False
        for node in ast.walk(function):
            if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == name.id for t in node.targets
            ):
                found |= self.resolve(module, node.value, seen)
                resolved = True
            elif isinstance(node, (ast.For, ast.comprehension)) and isinstance(node.target, ast.Tuple):
                names = [e.id if isinstance(e, ast.Name) else None for e in node.target.elts]
                if name.id in names:
                    found |= self._resolve_yielded(module, node, names.index(name.id), len(names), seen)
                    resolved = True
        if not resolved:
            raise Unresolved(f"{module.where(name)}: cannot tell where the code {name.id} comes from")
        return found

    def _resolve_parameter(
        self, module: Module, function, parameter: str, seen: frozenset, called_as: str | None = None
    ) -> set[str]:
        """A code passed in: the arguments every caller of the function gives it (`called_as`: the
        class name, for an __init__, whose callers are the constructor calls)."""
        params = _parameters(function)
        index = params.index(parameter)
        found: set[str] = set()
        callers = self.calls.get(called_as or function.name, [])
        for caller_module, call in callers:
            bound = called_as is not None or isinstance(call.func, ast.Attribute)
            shift = 1 if bound and params[:1] in (["self"], ["cls"]) else 0
            argument = _argument(caller_module, call, index - shift, parameter)
            if argument is None:
                raise Unresolved(
                    f"{caller_module.where(call)}: {called_as or function.name}() is called without its {parameter}"
                )
            found |= self.resolve(caller_module, argument, seen)
        if not callers:
            raise Unresolved(
                f"{module.where(function)}: {function.name}() passes on a code but is never called"
            )
        return found

    def _resolve_yielded(self, module: Module, loop, index: int, width: int, seen: frozenset) -> set[str]:
        """`for a, b, code, d in generator(…)`: the element `index` of every tuple the generator yields."""
        if not (isinstance(loop.iter, ast.Call) and callee_name(loop.iter) in self.functions):
            raise Unresolved(f"{module.where(loop)}: a code unpacked from {ast.unparse(loop.iter)}")
        found: set[str] = set()
        for generator_module, generator in self.functions[callee_name(loop.iter)]:
            yields = [n for n in ast.walk(generator) if isinstance(n, ast.Yield) and n.value is not None]
            if not yields:
                raise Unresolved(f"{generator_module.where(generator)}: {generator.name}() yields nothing")
            for node in yields:
                if not (isinstance(node.value, ast.Tuple) and len(node.value.elts) == width):
                    raise Unresolved(f"{generator_module.where(node)}: a yield of another shape")
                found |= self.resolve(generator_module, node.value.elts[index], seen)
        return found

    def _resolve_caught(self, module: Module, attribute: ast.Attribute, seen: frozenset) -> set[str]:
        """`except SomeProblem as problem: … problem.code`: the codes SomeProblem is raised with."""
        function = module.function_of(attribute)
        handlers = [
            node
            for node in (ast.walk(function) if function else ())
            if isinstance(node, ast.ExceptHandler)
            and node.name == attribute.value.id
            and node.type is not None
        ]
        if not handlers:
            raise Unresolved(
                f"{module.where(attribute)}: cannot resolve the finding code {ast.unparse(attribute)}"
            )
        found: set[str] = set()
        for handler in handlers:
            for kind in _alternatives(handler.type):
                name = kind.id if isinstance(kind, ast.Name) else getattr(kind, "attr", None)
                if name not in self.classes:
                    raise Unresolved(f"{module.where(handler)}: {name} is not a class of the package")
                for class_module, klass in self.classes[name]:
                    init = next(
                        (n for n in klass.body if isinstance(n, ast.FunctionDef) and n.name == "__init__"),
                        None,
                    )
                    if init is None or attribute.attr not in _parameters(init):
                        raise Unresolved(
                            f"{class_module.where(klass)}: {name} takes no {attribute.attr} argument"
                        )
                    found |= self._resolve_parameter(class_module, init, attribute.attr, seen, called_as=name)
        return found


def _parameters(function) -> list[str]:
    args = function.args
    return [a.arg for a in (*args.posonlyargs, *args.args, *args.kwonlyargs)]


def _argument(module: Module, call: ast.Call, index: int, keyword: str) -> ast.AST | None:
    """The argument at `index` or named `keyword`; Unresolved when *args or **kwargs may hold it."""
    for item in call.keywords:
        if item.arg == keyword:
            return item.value
    if any(isinstance(a, ast.Starred) for a in call.args[: index + 1]):
        raise Unresolved(f"{module.where(call)}: {keyword} may come from *args in {ast.unparse(call)[:80]}")
    if 0 <= index < len(call.args):
        return call.args[index]
    if any(item.arg is None for item in call.keywords):
        raise Unresolved(
            f"{module.where(call)}: {keyword} may come from **kwargs in {ast.unparse(call)[:80]}"
        )
    return None


def _alternatives(node: ast.AST) -> list[ast.AST]:
    if isinstance(node, ast.IfExp):
        return _alternatives(node.body) + _alternatives(node.orelse)
    if isinstance(node, ast.Tuple):
        return [n for element in node.elts for n in _alternatives(element)]
    return [node]


def emitted_codes(folder: Path = PACKAGE) -> dict[str, set[str]]:
    """Every finding code the package can emit → the severities it can have."""
    package = Package(folder)
    codes: dict[str, set[str]] = {}
    for module, _call, severities, argument in package.finding_calls():
        for code in package.resolve(module, argument):
            codes.setdefault(code, set()).update(severities)
    return codes


# ------------------------------------------------------------ the reference page

ENTRY = re.compile(r"^(?:\|\s*|#{2,6}\s+)`([^`]+)`(.*)$")


def documented_codes(text: str) -> dict[str, str]:
    """Each code in backticks at the start of a table row or a heading → the rest of its line."""
    codes: dict[str, str] = {}
    for line in text.splitlines():
        match = ENTRY.match(line.strip())
        if match:
            assert match[1] not in codes, f"{match[1]} is documented twice in {REFERENCE.name}"
            codes[match[1]] = match[2]
    return codes


def differences(emitted: dict[str, set[str]], documented: dict[str, str]) -> list[str]:
    problems = [
        f"{code} can be emitted but is not in docs/findings.md"
        for code in sorted(emitted.keys() - documented.keys())
    ]
    problems += [
        f"{code} is in docs/findings.md but nothing emits it"
        for code in sorted(documented.keys() - emitted.keys())
    ]
    for code in sorted(emitted.keys() & documented.keys()):
        cells = documented[code].split("|")
        severity = cells[1] if len(cells) > 1 else documented[code]
        for missing in sorted(s for s in emitted[code] if s not in severity):
            problems.append(f"{code} can be {missing} but docs/findings.md says {severity.strip()!r}")
    return problems


@pytest.fixture(scope="module")
def emitted() -> dict[str, set[str]]:
    return emitted_codes()


@pytest.fixture(scope="module")
def reference() -> str:
    return REFERENCE.read_text(encoding="utf-8")


def test_the_walk_finds_the_codes(emitted):
    assert len(emitted) > MINIMUM_CODES, sorted(emitted)
    # one code of each way a code reaches a finding: a constant, a constant in Finding(...),
    # a conditional, a parameter passed on, a generator's yield, an exception's attribute
    for code in (
        "image.missing",
        "yaml.syntax",
        "schema.value",
        "render.limit",
        "text.simplified-word",
        "yaml.alias",
    ):
        assert code in emitted, code
    assert emitted["image.missing"] == {"error", "warning"}  # a warning; an error with --strict


def test_every_emitted_code_is_documented_and_every_documented_code_is_emitted(emitted, reference):
    documented = documented_codes(reference)
    assert len(documented) > MINIMUM_CODES
    assert differences(emitted, documented) == []


def test_a_missing_entry_is_noticed(emitted, reference):
    documented = documented_codes(reference)
    lines = reference.splitlines()
    row = next(i for i, line in enumerate(lines) if line.startswith("| `image.missing`"))
    shortened = documented_codes("\n".join(lines[:row] + lines[row + 1 :]))
    assert "image.missing" in documented and "image.missing" not in shortened
    assert differences(emitted, shortened) == ["image.missing can be emitted but is not in docs/findings.md"]


def test_an_unresolvable_code_fails_loudly(tmp_path):
    (tmp_path / "stage").mkdir()
    (tmp_path / "stage" / "new.py").write_text(
        "def check(report, what):\n    report.warning(CODES[what], 'a message')\n", encoding="utf-8"
    )
    with pytest.raises(Unresolved, match="CODES"):
        emitted_codes(tmp_path)


def test_dynamic_codes_are_followed(tmp_path):
    (tmp_path / "deep" / "er").mkdir(parents=True)
    (tmp_path / "deep" / "er" / "mod.py").write_text(
        "class Problem(Exception):\n"
        "    def __init__(self, code, message):\n"
        "        self.code = code\n"
        "def load():\n"
        "    raise Problem('demo.raised', 'x')\n"
        "def spans(text):\n"
        "    code = 'demo.one' if text else 'demo.two'\n"
        "    yield 0, code\n"
        "def fail(report, code):\n"
        "    report.error(code, 'x')\n"
        "def run(report, strict):\n"
        "    fail(report, 'demo.passed')\n"
        "    for _, code in spans('t'):\n"
        "        report.warning(code, 'x')\n"
        "    severity = report.error if strict else report.warning\n"
        "    severity('demo.either', 'x')\n"
        "    try:\n"
        "        load()\n"
        "    except Problem as problem:\n"
        "        report.add(Finding('error', problem.code, 'x'))\n"
        "    report.add(replace(problem, code='demo.replaced'))\n"
        "    LOGGER.warning('not %s a finding', 1)\n",
        encoding="utf-8",
    )
    assert emitted_codes(tmp_path) == {
        "demo.raised": {"error"},
        "demo.one": {"warning"},
        "demo.two": {"warning"},
        "demo.passed": {"error"},
        "demo.either": {"error", "warning"},
        "demo.replaced": set(),
    }
