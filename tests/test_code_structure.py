"""The shape of the code in sim/ and ui/: no import circle, no private name used across modules, no huge module.

Read from the source with ``ast`` (nothing is imported), so a check names the
file and line of what breaks it. These are the rules of docs/design.md §2 that
a reviewer cannot see in a diff: a circle or a borrowed private name is one
line in one file, and only shows when someone later moves that line.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("sim", "ui")
MAX_LINES = 800


@dataclass(frozen=True)
class Module:
    name: str  # dotted: sim.runs.results
    path: Path
    tree: ast.Module

    @property
    def is_package(self) -> bool:
        return self.path.name == "__init__.py"

    @property
    def where(self) -> str:
        return str(self.path.relative_to(ROOT))


def _modules() -> dict[str, Module]:
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            name = ".".join(parts)
            found[name] = Module(name, path, ast.parse(path.read_text(encoding="utf-8"), str(path)))
    return found


MODULES = _modules()


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def module_level_imports(tree: ast.Module) -> list[ast.Import | ast.ImportFrom]:
    """The imports that run when the module is imported: its body, and inside its top-level if/try blocks.

    Imports inside functions run later (that is how a module stays lazy), and
    ``if TYPE_CHECKING:`` ones never run; neither can close a circle at import time.
    """
    found, todo = [], list(tree.body)
    while todo:
        node = todo.pop(0)
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            found.append(node)
        elif isinstance(node, ast.If) and not _is_type_checking(node):
            todo[:0] = node.body + node.orelse
        elif isinstance(node, ast.Try):
            todo[:0] = node.body + node.orelse + node.finalbody + [n for h in node.handlers for n in h.body]
    return found


def all_imports(tree: ast.Module) -> list[ast.Import | ast.ImportFrom]:
    return [n for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom))]


def source_of(module: Module, node: ast.ImportFrom) -> str:
    """The absolute dotted name ``from ... import`` reads from (relative imports resolved)."""
    if not node.level:
        return node.module or ""
    base = module.name.split(".")
    if not module.is_package:
        base = base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def imported_modules(module: Module, node: ast.Import | ast.ImportFrom) -> list[str]:
    """The modules of sim/ and ui/ an import statement loads directly (a name that is a submodule counts as it)."""
    if isinstance(node, ast.Import):
        return [a.name for a in node.names if a.name in MODULES]
    source = source_of(module, node)
    targets = []
    for alias in node.names:
        sub = f"{source}.{alias.name}"
        if sub in MODULES:
            targets.append(sub)
        elif source in MODULES:
            targets.append(source)
    return targets


def import_graph(which=None) -> dict[str, set[str]]:
    """Module -> the modules of sim/ and ui/ it imports; ``which(tree)`` picks the imports (default: every one).

    Every import counts, wherever it is written: one inside a function defers
    a circle to the first call, it does not remove it (``ui.rosters`` <->
    ``ui.state`` was one), and one under ``TYPE_CHECKING`` still makes two
    modules that know each other (``runs.precision`` <-> ``runs.results``).
    """
    which = which or all_imports
    return {
        name: {t for node in which(m.tree) for t in imported_modules(m, node) if t != name}
        for name, m in MODULES.items()
    }


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan), each sorted."""
    index, low, on_stack, stack, found = {}, {}, set(), [], []
    counter = [0]

    def visit(v: str) -> None:
        # Iterative: the graph is small, but a recursion limit is not a thing a structure test should hit.
        work = [(v, iter(sorted(graph.get(v, ()))))]
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter[0]
                    counter[0] += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    w = stack.pop()
                    on_stack.discard(w)
                    component.append(w)
                    if w == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def private_names_defined(module: Module) -> set[str]:
    """Private names a module defines: functions, classes, methods, module and class attributes, ``self._x``."""
    found = set()
    for node in ast.walk(module.tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            found.add(node.name)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            found.add(node.id)
        elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
            found.add(node.attr)
        elif isinstance(node, ast.arg):
            found.add(node.arg)
        elif isinstance(node, ast.alias):
            found.add(node.asname or node.name)
    return {name for name in found if _private(name)}


# Private names that are not ours to rename. Keep this short, with the reason.
ALLOWED_PRIVATE: set[str] = set()  # (SimPy's Event._value was one until the engine had its own event queue)

PRIVATE_ELSEWHERE: dict[str, set[str]] = {}  # private name -> the modules that define it
for _m in MODULES.values():
    for _name in private_names_defined(_m):
        PRIVATE_ELSEWHERE.setdefault(_name, set()).add(_m.name)


def private_names_used_across_modules(module: Module) -> list[str]:
    """What a module takes that another module of sim/ or ui/ keeps private. Three forms:

    ``from other import _x``; ``imported._x`` for a name this module imported
    from sim/ or ui/ (a module, a class); and ``anything._x`` where ``_x`` is
    defined only in other modules of sim/ or ui/ (``results._default_baseline()``
    on a Results built elsewhere). ``self._x`` and ``cls._x`` are the object's
    own business and not checked.
    """
    found, imported_names = [], set()
    own = private_names_defined(module)
    for node in all_imports(module.tree):
        if isinstance(node, ast.ImportFrom):
            source = source_of(module, node)
            if source.split(".")[0] not in PACKAGES or source == module.name:
                continue
            for alias in node.names:
                if _private(alias.name):
                    found.append(f"{module.where}:{node.lineno}: from {source} import {alias.name}")
                imported_names.add(alias.asname or alias.name)
        else:
            for alias in node.names:
                if alias.name.split(".")[0] in PACKAGES:
                    imported_names.add(alias.asname or alias.name.split(".")[0])
    for node in ast.walk(module.tree):
        if not (isinstance(node, ast.Attribute) and _private(node.attr)):
            continue
        base = node.value
        while isinstance(base, ast.Attribute) and not _private(base.attr):
            base = base.value
        if (isinstance(base, ast.Name) and base.id in ("self", "cls")) or node.attr in ALLOWED_PRIVATE:
            continue
        from_import = isinstance(base, ast.Name) and base.id in imported_names
        defined_elsewhere = node.attr not in own and PRIVATE_ELSEWHERE.get(node.attr, set()) - {module.name}
        if from_import or defined_elsewhere:
            found.append(f"{module.where}:{node.lineno}: {ast.unparse(node)}")
    return sorted(set(found), key=lambda line: (line.split(":")[0], int(line.split(":")[1])))


# ----------------------------------------------------------------------------- the checks


def test_the_checks_see_the_code():
    # A walker that finds nothing passes every check below; make sure it sees the packages it guards.
    assert {"sim", "sim.model.scenario", "sim.analytic.erlang", "ui.compute", "ui.pages.compare"} <= set(MODULES)
    graph = import_graph()
    assert {"sim.model.policy", "sim.model.schema"} <= graph["sim.model.scenario"]
    assert "ui.running" in graph["ui.rosters"]  # relative imports resolved (from . import running)
    deferred = import_graph(module_level_imports)
    assert "sim.files.export" in graph["sim.runs.results"] - deferred["sim.runs.results"]  # inside Results.save


def test_no_import_circle_at_import_time():
    found = circles(import_graph(module_level_imports))
    assert not found, "import circles (module-level imports): " + "; ".join(" <-> ".join(c) for c in found)


def test_no_import_circle_inside_sim_and_ui_even_through_deferred_imports():
    found = circles(import_graph())
    assert not found, "import circles (imports in functions and under TYPE_CHECKING included): " + "; ".join(
        " <-> ".join(c) for c in found)


def test_the_circle_finder_finds_a_circle():
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert circles({"a": {"b"}, "b": set()}) == []


def test_no_module_uses_a_private_name_of_another():
    found = [line for m in MODULES.values() for line in private_names_used_across_modules(m)]
    assert not found, "private names used across modules (make them public in the module that owns them):\n" + (
        "\n".join(found))


def test_the_private_name_check_sees_every_form():
    tree = ast.parse("from sim.runs.results import Results, _x\nimport ui.state as state\n"
                     "Results._default_baseline()\nstate._with_progress()\nself._own()\n"
                     "def f(results):\n    return results._defined_only(None)\n")
    found = private_names_used_across_modules(Module("ui.example", ROOT / "ui" / "example.py", tree))
    assert [f.split(": ", 1)[1] for f in found] == [
        "from sim.runs.results import _x", "Results._default_baseline", "state._with_progress",
        "results._defined_only"]


@pytest.mark.parametrize("where", [m.where for m in MODULES.values()])
def test_no_module_is_over_800_lines(where):
    lines = (ROOT / where).read_text(encoding="utf-8").count("\n")
    assert lines <= MAX_LINES, f"{where} has {lines} lines: split it by concept"


# ----------------------------------------------------------------------------- what the text names

DOTTED = re.compile(r"(?<![\w/.])((?:sim|ui)(?:\.[A-Za-z_]\w*)+)")
PATH = re.compile(r"(?<![\w/.])((?:sim|ui|tests|docs|benchmarks|scenarios|plans)/[\w/.\-]*\w)")


def top_level_names(module: Module) -> dict[str, ast.AST]:
    names: dict[str, ast.AST] = {}
    for node in module.tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names[node.name] = node
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            for target in node.targets if isinstance(node, ast.Assign) else [node.target]:
                if isinstance(target, ast.Name):
                    names[target.id] = node
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                names[(alias.asname or alias.name).split(".")[0]] = node
        elif isinstance(node, ast.If):  # e.g. TYPE_CHECKING imports of a package's facade
            for inner in ast.walk(node):
                if isinstance(inner, (ast.Import, ast.ImportFrom)):
                    for alias in inner.names:
                        names[alias.asname or alias.name] = inner
    return names


def class_members(node: ast.ClassDef) -> set[str]:
    found = set()
    for item in node.body:
        if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            found.add(item.name)
        elif isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name):
            found.add(item.target.id)
        elif isinstance(item, ast.Assign):
            found |= {t.id for t in item.targets if isinstance(t, ast.Name)}
    return found


def names_something(dotted: str) -> bool:
    """Whether ``sim.x.y`` is a module of sim/ or ui/, or a name (and class member) one of them defines."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        module = MODULES.get(".".join(parts[:cut]))
        if module is None:
            continue
        rest = parts[cut:]
        if not rest:
            return True
        defined = top_level_names(module)
        if rest[0] not in defined:
            # A package's facade may hand out names lazily (sim.run through __getattr__): its __all__ says so.
            return module.is_package and f'"{rest[0]}"' in module.path.read_text(encoding="utf-8")
        node = defined[rest[0]]
        return len(rest) == 1 or not isinstance(node, ast.ClassDef) or rest[1] in class_members(node)
    return False


def stale_references(path: Path) -> list[str]:
    """Dotted names (``sim.x.y``) and repository paths (``sim/x.py``) in its strings and comments that do not exist."""
    found = []
    for token in tokenize.generate_tokens(io.StringIO(path.read_text(encoding="utf-8")).readline):
        if token.type not in (tokenize.STRING, tokenize.COMMENT):
            continue
        for match in DOTTED.finditer(token.string):
            if not names_something(match.group(1)):
                found.append(f"{path.name}:{token.start[0]}: {match.group(1)}")
        for match in PATH.finditer(token.string):
            if not any(ch in match.group(1) for ch in "*{<") and not (ROOT / match.group(1)).exists():
                found.append(f"{path.name}:{token.start[0]}: {match.group(1)}")
    return found


def test_docstrings_and_comments_name_modules_and_names_that_exist():
    paths = [m.path for m in MODULES.values()] + [ROOT / "app.py"]
    found = [line for path in paths for line in stale_references(path)]
    assert not found, "docstrings or comments naming what does not exist:\n" + "\n".join(found)


def test_the_reference_check_sees_a_stale_one(tmp_path):
    stale = tmp_path / "example.py"
    stale.write_text('"""Maps widgets via sim.knobs onto sim.model.scenario.Scenario.for_policy; see ui/state.py."""\n')
    found = [line.split(": ", 1)[1] for line in stale_references(stale)]
    assert found == ["sim.knobs", "ui/state.py"]
