"""The shape of the package (docs/architecture.rst): its import layers, no import
cycles, modules readable in one sitting, and sync and async paths that share one body.

The layers are import-linter's contracts in pyproject.toml; the rest is measured here
on the source, so that a change that breaks a target fails with the offender named.
"""

from __future__ import annotations

import ast
import difflib
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import pyfactory

PACKAGE = Path(pyfactory.__file__).parent
ROOT = PACKAGE.parent

#: The most lines one module of the package may have.
MOST_LINES = 800
#: The most lines, over the whole package, that an async function shares with its
#: sync twin (after ``await``/``async`` and the ``a`` of the names they call are set
#: aside): the rest is written once, in a body both drive (pyfactory._drive).
MOST_TWIN_LINES = 100


def modules() -> dict[str, Path]:
    """Every module of the package, by dotted name."""
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def _type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def imports(name: str, path: Path, known: dict[str, Path]) -> set[str]:
    """The package's modules that ``name`` imports, inside functions too; not those
    under ``if TYPE_CHECKING:``, which only type checkers read."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _type_checking(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            for alias in node.names:
                target = alias.name
                while target and target not in known:
                    target = target.rpartition(".")[0]
                if target:
                    found.add(target)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1])
                base = f"{base}.{node.module}" if node.module else base
            else:
                base = node.module or ""
            for alias in node.names:
                if f"{base}.{alias.name}" in known:
                    found.add(f"{base}.{alias.name}")
                elif base in known:
                    found.add(base)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(ast.parse(path.read_text()))
    found.discard(name)
    return found


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph[node]:
            if target not in index:
                connect(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in graph:
        if node not in index:
            connect(node)
    return groups


_TRIVIAL = {")", "]", "}", "):", "),", "],", "},", "else:", "try:", "finally:", '"""', "pass"}
_AWAITED_NAME = re.compile(r"\b(_pf_|\.)a(?=[a-z])")


def _lines(source: list[str], node: ast.AST) -> list[str]:
    """A function's body, line by line, as a comparison sees it: stripped, without
    blank lines, comments and lone brackets, and with ``await``, ``async`` and the
    ``a`` of an awaited name (``.acreate_many``, ``_pf_aone``) set aside."""
    kept = []
    assert isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
    for line in source[node.lineno : node.end_lineno]:
        text = line.strip().replace("await ", "").replace("async ", "")
        text = _AWAITED_NAME.sub(r"\1", text)
        if text and text not in _TRIVIAL and not text.startswith("#"):
            kept.append(text)
    return kept


def twins() -> Iterator[tuple[str, int]]:
    """Each async function with a sync twin (``aX`` and ``X``, ``_pf_aX`` and ``_pf_X``,
    in its class or module, or in another class of its module), and how many lines
    the two share."""
    for name, path in modules().items():
        source = path.read_text().splitlines()
        tree = ast.parse("\n".join(source))
        scopes: list[ast.Module | ast.ClassDef] = [tree]
        scopes += [node for node in ast.walk(tree) if isinstance(node, ast.ClassDef)]
        tables = [
            (scope, {n.name: n for n in scope.body if isinstance(n, ast.FunctionDef)})
            for scope in scopes
        ]
        for scope, _ in tables:
            for node in scope.body:
                if not isinstance(node, ast.AsyncFunctionDef):
                    continue
                wanted = {node.name.replace("_pf_a", "_pf_", 1), node.name.replace("_a", "_", 1)}
                if node.name.startswith("a"):
                    wanted.add(node.name[1:])
                wanted.discard(node.name)
                ordered = sorted(tables, key=lambda table: table[0] is not scope)
                twin = next((t[w] for _, t in ordered for w in sorted(wanted) if w in t), None)
                if twin is None:
                    continue
                matcher = difflib.SequenceMatcher(
                    None, _lines(source, node), _lines(source, twin), autojunk=False
                )
                shared = sum(block.size for block in matcher.get_matching_blocks())
                if shared:
                    yield (
                        f"{name}.{getattr(scope, 'name', '')}.{node.name}".replace("..", "."),
                        shared,
                    )


class TestTheShapeOfThePackage:
    def test_no_import_cycles(self) -> None:
        """No module imports, through others, a module that imports it (imports inside
        functions count): the package reads from the bottom up."""
        known = modules()
        graph = {name: imports(name, path, known) for name, path in known.items()}

        assert cycles(graph) == []

    def test_the_cycle_finder_finds_a_cycle(self) -> None:
        assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]

    def test_modules_are_readable_in_one_sitting(self) -> None:
        """No module of the package is longer than 800 lines."""
        long = {
            name: n
            for name, path in modules().items()
            if (n := len(path.read_text().splitlines())) > MOST_LINES
        }

        assert long == {}

    def test_sync_and_async_paths_share_one_body(self) -> None:
        """At most 100 lines, over the package, are copied between an async function
        and its sync twin."""
        found = dict(twins())

        assert found, "the measure finds the twins that remain"
        assert sum(found.values()) <= MOST_TWIN_LINES, sorted(found.items(), key=lambda i: -i[1])

    def test_the_twin_measure_sets_await_aside(self) -> None:
        source = [
            "async def aput(self, rows):",
            "    made = await self._pf_amake(rows)",
            "    return made",
        ]
        node = ast.parse("\n".join(source)).body[0]

        assert _lines(source, node) == ["made = self._pf_make(rows)", "return made"]


@pytest.mark.slow
def test_the_import_layers_hold() -> None:
    """import-linter's contracts (pyproject.toml): each layer imports only those below
    it, and the resolver never imports a builder."""
    found = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    assert found is not None, "lint-imports is not installed; install the test extras"
    result = subprocess.run(
        [found, "--config", str(ROOT / "pyproject.toml")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 2 kept, 0 broken." in result.stdout
