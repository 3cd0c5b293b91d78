"""The generated modules as text: ``factories.py``, ``seeds.py`` and ``conftest.py``.

A small emitter, not a template engine: :class:`Source` gathers the imports a module
needs as its body is written, and renders them in isort's groups above it. The text
is written already formatted as ``ruff format`` (and black) would leave it: dicts
and calls of several arguments one item a line with a trailing comma, which keeps
them so, two blank lines between classes, lines under 88 characters. A test runs
``ruff format --check`` on every generated file, so the two cannot drift apart.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable, Sequence
from typing import Any

from pyfactory._adopt._read import Entry, ModelPlan

__all__ = [
    "Source",
    "call",
    "collection",
    "conftest_module",
    "factories_module",
    "py_str",
    "seeds_module",
    "split",
]

#: The line length of ruff's and black's default style, which the text keeps to.
LINE_LENGTH = 88

#: The import groups, in isort's order.
_FUTURE, _STDLIB, _THIRD_PARTY, _LOCAL, _RELATIVE = range(5)


class Source:
    """A module being written: its docstring, its imports, and its body lines."""

    def __init__(self, docstring: str) -> None:
        self.docstring = docstring
        self.froms: dict[tuple[int, str], set[str]] = {}
        self.plain: set[tuple[int, str]] = set()
        self.body: list[str] = []
        #: What the body turned out to need, for the code that writes its head.
        self.flags: set[str] = set()

    def use(self, module: str, *names: str) -> None:
        """``from module import names``, or ``import module`` with no names, in the
        group its module belongs to (a module of the project as :func:`local` names it)."""
        if names:
            self.froms.setdefault((_group(module), module), set()).update(names)
        else:
            self.plain.add((_group(module), module))

    def add(self, *lines: str) -> None:
        self.body.extend(lines)

    def render(self) -> str:
        out = [f'"""{self.docstring}\n"""', ""]
        for group in (_FUTURE, _STDLIB, _THIRD_PARTY, _LOCAL, _RELATIVE):
            plain = sorted(m for g, m in self.plain if g == group)
            found = sorted(m for g, m in self.froms if g == group)
            if not (found or plain):
                continue
            out.extend(f"import {module}" for module in plain)
            for module in found:
                out.extend(_from_import(module, self.froms[group, module]))
            out.append("")
        text = "\n".join(out + self.body).rstrip("\n") + "\n"
        return re.sub(r"\n{4,}", "\n\n\n", text)


def py_str(text: str) -> str:
    """A string literal as ruff format writes it: in double quotes unless that takes
    more escapes than single ones."""
    written = repr(text)
    if written.startswith("'") and '"' not in text:
        written = '"' + written[1:-1].replace("\\'", "'") + '"'
    return written


def call(head: str, args: Sequence[str], indent: str, tail: str = "") -> list[str]:
    """``head(args)tail`` in lines as ruff format splits a call that is too long: the
    arguments on one line of their own if they fit there; else a lone argument split
    in turn, or several one a line with a trailing comma, each split if it must be."""
    line = f"{indent}{head}({', '.join(args)}){tail}"
    if len(line) <= LINE_LENGTH:
        return [line]
    inner = f"{indent}    {', '.join(args)}"
    if len(inner) <= LINE_LENGTH:
        return [f"{indent}{head}(", inner, f"{indent}){tail}"]
    lines = [f"{indent}{head}("]
    if len(args) == 1:
        lines.extend(split(args[0], f"{indent}    "))
    else:
        for arg in args:
            lines.extend(split(arg, f"{indent}    ", ","))
    return [*lines, f"{indent}){tail}"]


def split(text: str, indent: str, tail: str = "") -> list[str]:
    """An expression of the generated code in lines as ruff format (and black) writes
    it: on one line if it fits; else split at the brackets of its last call whose
    opening line fits (``.attribute(`` of ``association(F).attribute("id")``), or of
    its first call if none does."""
    line = f"{indent}{text}{tail}"
    if len(line) <= LINE_LENGTH:
        return [line]
    opens = [at for at, char, depth in _scan(text) if char == "(" and depth == 1]
    if not opens:
        return [line]
    fitting = [at for at in opens if len(indent) + at + 1 <= LINE_LENGTH]
    opened = fitting[-1] if fitting else opens[0]
    closed = _closing(text, opened)
    head, inner, rest = text[:opened], text[opened + 1 : closed], text[closed + 1 :]
    return call(head, _arguments(inner), indent, rest + tail)


def _scan(text: str) -> list[tuple[int, str, int]]:
    """``(position, character, depth)`` of each bracket and comma outside strings."""
    found, depth, quote, escaped = [], 0, "", False
    for at, char in enumerate(text):
        if quote:
            escaped = char == "\\" and not escaped
            if char == quote and not escaped:
                quote = ""
            continue
        if char in "\"'":
            quote = char
        elif char in "([{":
            depth += 1
            found.append((at, char, depth))
        elif char in ")]}":
            found.append((at, char, depth))
            depth -= 1
        elif char == ",":
            found.append((at, char, depth))
    return found


def _closing(text: str, opened: int) -> int:
    scanned = _scan(text)
    depth = next(d for at, _, d in scanned if at == opened)
    return next(at for at, char, d in scanned if at > opened and char == ")" and d == depth)


def _arguments(inner: str) -> list[str]:
    """The arguments of a call, split at the commas of its own level."""
    cuts = [at for at, char, depth in _scan(inner) if char == "," and depth == 0]
    bounds = zip([-1, *cuts], [*cuts, len(inner)], strict=True)
    return [inner[start + 1 : end].strip() for start, end in bounds]


def collection(head: str, items: Sequence[str], indent: str, brackets: str = "()") -> list[str]:
    """A tuple or list literal after ``head``: on one line if it fits, else one item a
    line with a trailing comma (ruff, as black, never puts a literal's items on one
    line of their own)."""
    opening, closing = brackets[0], brackets[1]
    one = ", ".join(items) + ("," if len(items) == 1 and brackets == "()" else "")
    line = f"{indent}{head}{opening}{one}{closing}"
    if len(line) <= LINE_LENGTH:
        return [line]
    return [f"{indent}{head}{opening}", *(f"{indent}    {i}," for i in items), f"{indent}{closing}"]


def _group(module: str) -> int:
    if module == "__future__":
        return _FUTURE
    if module.startswith("."):
        return _RELATIVE
    if module.startswith("@"):
        return _LOCAL
    return _STDLIB if module.split(".", maxsplit=1)[0] in sys.stdlib_module_names else _THIRD_PARTY


def _from_import(module: str, names: Iterable[str]) -> list[str]:
    shown = module.lstrip("@")
    ordered = sorted(set(names), key=lambda n: (not n.isupper(), not n[:1].isupper(), n))
    line = f"from {shown} import {', '.join(ordered)}"
    if len(line) <= LINE_LENGTH:
        return [line]
    return [f"from {shown} import (", *(f"    {name}," for name in ordered), ")"]


def local(module: str) -> str:
    """The key under which :meth:`Source.use` files a module of the project itself."""
    return module if module.startswith(".") else f"@{module}"


def _dict(entries: Sequence[Entry], indent: str) -> list[str]:
    """``return {...}`` for a schema or trait: one key a line, comments above."""
    if not entries:
        return [f"{indent}return {{}}"]
    lines = [f"{indent}return {{"]
    for entry in entries:
        if entry.comment is not None:
            lines.extend(f"{indent}    # {line}" for line in _wrap(entry.comment, indent))
        item = f'"{entry.key}": {entry.code}'
        if entry.disabled:  # a comment: ruff leaves it as it is
            lines.append(f"{indent}    # {item},")
        else:
            lines.extend(split(item, f"{indent}    ", ","))
    lines.append(f"{indent}}}")
    return lines


def _wrap(text: str, indent: str) -> list[str]:
    """Words of a comment, in lines that fit after ``indent    # ``."""
    return _words(text, LINE_LENGTH - len(indent) - 6)


def paragraph(text: str, indent: str, first: int = 0) -> str:
    """``text`` in lines that fit after ``indent``, the first also after ``first``
    characters (a docstring's opening quotes)."""
    room = LINE_LENGTH - len(indent)
    lines = _words(text, room, room - first)
    return "\n".join(f"{indent if i else ''}{line}" for i, line in enumerate(lines))


def _words(text: str, room: int, first_room: int | None = None) -> list[str]:
    lines: list[str] = []
    for word in text.split():
        limit = first_room if first_room is not None and len(lines) == 1 else room
        if lines and len(lines[-1]) + 1 + len(word) <= limit:
            lines[-1] += f" {word}"
        else:
            lines.append(word)
    return lines


def factories_module(plans: Sequence[ModelPlan], models: Sequence[str]) -> str:
    """The text of ``factories.py``: one factory per plan, in the plans' order.

    Args:
        plans: The models' plans (:func:`pyfactory._adopt._read.plan_models`).
        models: The module names to import each model from, by plan.
    """
    source = Source(
        "The factories of the models, one per model, written by ``pyfactory init``.\n\n"
        "Yours to edit from now on. Each ``basic`` schema is ``@schema(auto=True)``:\n"
        "pyfactory fills every required field from the model's own columns (their\n"
        "names, types, lengths and CHECK constraints). The fields written out are those\n"
        "it would not fill as well: associations to the factories of the other models,\n"
        "sequences for unique columns, and a trait for each optional link."
    )
    source.use("__future__", "annotations")
    source.use("typing", "Any")
    source.use("pyfactory", "Factory", "schema")
    for plan, module in zip(plans, models, strict=True):
        source.use(local(module), plan.name)
        source.add("", "", *_factory_class(source, plan))
    return source.render()


def _factory_class(source: Source, plan: ModelPlan) -> list[str]:
    builder = "SQLAlchemyBuilder" if plan.kind == "sqlalchemy" else "DjangoBuilder"
    source.use(f"pyfactory.builders.{plan.kind}", builder)
    lines = [
        *split(f"class {plan.factory}(Factory[{plan.name}])", "", ":"),
        f"    _model = {plan.name}",
        f"    _model_builder = {builder}()",
        '    _default_schema = "basic"',
        "",
        "    @schema(auto=True)",
        "    def basic(self) -> dict[str, Any]:",
    ]
    for note in plan.notes:
        lines.extend(f"        # {line}" for line in _wrap(note, "    "))
    lines.extend(_dict(plan.entries, "        "))
    for entry in plan.entries:
        if not entry.disabled:
            source.use("pyfactory", *entry.names)
    for trait in plan.traits:
        source.use("pyfactory", "trait", *trait.entry.names)
        lines.extend(
            [
                "",
                "    @trait()",
                f"    def {trait.name}(self) -> dict[str, Any]:",
                *_docstring(trait.doc, "        "),
                *_dict([trait.entry], "        "),
            ]
        )
    return lines


def _docstring(text: str, indent: str) -> list[str]:
    """A docstring on one line if it fits, else its words wrapped."""
    line = f'{indent}"""{text}"""'
    if len(line) <= LINE_LENGTH:
        return [line]
    words = _wrap(text, indent[:-4])
    return [f'{indent}"""{words[0]}', *(f"{indent}{w}" for w in words[1:]), f'{indent}"""']


def seed_name(plan: ModelPlan) -> str:
    return f"{plan.name}Seed"


def seeds_module(plans: Sequence[ModelPlan], models: Sequence[str], factories: str) -> str:
    """The text of ``seeds.py``: a seed per model, in dependency order.

    Args:
        plans: The SQLAlchemy models' plans, parents first.
        models: The module names to import each model from, by plan.
        factories: The module name of the generated factories.
    """
    source = Source(
        "Development data: a few rows of every table, written by ``pyfactory init``.\n\n"
        "One seed per model, after the seeds of the models it points at (``depends_on``),\n"
        "whose rows its own rows point at. A seed whose table has rows already is\n"
        "skipped, so running the seeds again changes nothing::\n\n"
        "    pyfactory seed seeds.py --url sqlite:///dev.sqlite3 --create-tables\n\n"
        "``--scale 10`` writes ten times as many rows."
    )
    source.use("__future__", "annotations")
    source.use("sqlalchemy", "func", "select")
    source.use("pyfactory.seeding", "Seed", "SeedContext")
    source.add(
        "#: The seed of every factory: the same rows on every run.",
        "SEED = 0",
        "#: How many rows each seed writes (times ``--scale``).",
        "ROWS = 5",
    )
    by_model = {plan.model: (plan, module) for plan, module in zip(plans, models, strict=True)}
    # A model on a cycle of required keys has no rows, nor has any model that needs
    # one of its rows; the plans come parents first, so one pass finds them all.
    blocked: set[Any] = set()
    for plan, module in zip(plans, models, strict=True):
        off = None
        if plan.cyclic:
            off = f"a required key leads back to {plan.name}: no row can be written first"
        elif any(parent.model in blocked for parent in plan.parents):
            off = f"{plan.name} needs rows of a model on a cycle of required keys"
        if off is not None:
            blocked.add(plan.model)
        source.use(local(module), plan.name)
        source.use(local(factories), plan.factory)
        source.add("", "", *_seed_class(source, plan, by_model, off))
    return source.render()


def _seed_class(
    source: Source, plan: ModelPlan, by_model: dict[Any, tuple[ModelPlan, str]], off: str | None
) -> list[str]:
    """One seed; ``off`` says why it cannot run, if it cannot (its ``should_run`` is
    then ``False``, and the comment says so)."""
    lines = [f"class {seed_name(plan)}(Seed):", f'    """Rows of {plan.name}."""', ""]
    parents = [by_model[p.model][0] for p in plan.parents if p.model in by_model]
    if parents:
        names = list(dict.fromkeys(seed_name(p) for p in parents))
        lines.extend([*collection("depends_on = ", names, "    "), ""])
    count = f"select(func.count()).select_from({plan.name})"
    test = f"not ctx.session.scalar({count})"
    if off is not None:
        why = f"Off: {off} (see {plan.factory}); write one first, then remove this."
        lines.extend(f"    # {line}" for line in _wrap(why, ""))
        test = "False"
    lines.extend(
        [
            "    def should_run(self, ctx: SeedContext) -> bool:",
            *split(f"return {test}", "        "),
            "",
            "    def run(self, ctx: SeedContext) -> None:",
        ]
    )
    made = f"ctx.factory({plan.factory}, seed=SEED)"
    if not plan.parents:
        lines.extend(split(f"ctx.fill({made}, ROWS)", "        "))
        return lines
    source.use("pyfactory", "each")
    lines.extend(["        ctx.fill(", *split(made, "            ", ","), "            ROWS,"])
    for parent in plan.parents:
        source.use(local(by_model[parent.model][1]), parent.model.__name__)
        rows = parent.model.__name__
        if parent.attribute is not None:
            rows += f".{parent.attribute}"
        lines.extend(split(f"{parent.key}=each(select({rows}))", "            ", ","))
    lines.append("        )")
    return lines


def conftest_module(plans: Sequence[ModelPlan], models: Sequence[str], factories: str) -> str:
    """The text of ``conftest.py``: ``register()`` for every factory, and for SQLAlchemy
    models the session that the factories write through, rolled back after each test.
    """
    example = _snake(plans[0].name)
    source = Source(
        "Fixtures of the factories, written by ``pyfactory init``.\n\n"
        + paragraph(
            f"``register({plans[0].factory})`` gives the fixtures ``{example}_factory`` "
            f"(the factory) and ``{example}`` (a row of its default schema) to every test "
            "here (see ``pyfactory.pytest``). Each test writes in a transaction rolled "
            "back at its end.",
            "",
        )
    )
    source.use("__future__", "annotations")
    source.use("pyfactory.pytest", "register")
    fixtures = {"database", "db_session", "pyfactory_context"}
    for plan in plans:
        source.use(local(factories), plan.factory)
        name = _snake(plan.name)
        named = f', name="{name}_row"' if name in fixtures else ""
        source.add(*split(f"register({plan.factory}{named})", ""))
    if plans and plans[0].kind == "django":
        source.use("pytest")
        source.add("", "", *_django_fixtures())
        return source.render()
    bases: dict[int, tuple[str, str]] = {}
    for plan, module in zip(plans, models, strict=True):
        bases.setdefault(id(plan.model.metadata), _declarative_base(plan.model, module))
    for name, module in bases.values():
        source.use(local(module), name)
    source.add("", "", *_sqlalchemy_fixtures(source, [name for name, _ in bases.values()]))
    return source.render()


def _declarative_base(model: Any, module: str) -> tuple[str, str]:
    """The class whose ``metadata`` holds the model's table, as a person would name it
    (``Base``), and the module to import it from; the model itself when no base of
    the project's own has it."""
    for klass in model.__mro__[1:]:
        if "metadata" in vars(klass) and not klass.__module__.startswith("sqlalchemy."):
            same = klass.__module__ == model.__module__
            return klass.__name__, module if same else klass.__module__
    return model.__name__, module


def _sqlalchemy_fixtures(source: Source, tables_of: Sequence[str]) -> list[str]:
    source.use("os")
    source.use("collections.abc", "Iterator")
    source.use("typing", "Any")
    source.use("pytest")
    source.use("sqlalchemy", "Engine", "create_engine")
    source.use("sqlalchemy.orm", "Session")
    return [
        '@pytest.fixture(scope="session")',
        "def database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:",
        '    """The test database: $TEST_DATABASE_URL, or a new SQLite file; the tables',
        '    it lacks are made."""',
        '    url = os.environ.get("TEST_DATABASE_URL")',
        "    if not url:",
        "        url = f\"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}\"",
        "    engine = create_engine(url)",
        *(f"    {name}.metadata.create_all(engine)" for name in tables_of),
        "    yield engine",
        "    engine.dispose()",
        "",
        "",
        "@pytest.fixture",
        "def db_session(database: Engine) -> Iterator[Session]:",
        '    """A session whose writes are rolled back when the test ends."""',
        "    with database.connect() as connection:",
        "        transaction = connection.begin()",
        '        session = Session(bind=connection, join_transaction_mode="create_savepoint")',
        "        yield session",
        "        session.close()",
        "        transaction.rollback()",
        "",
        "",
        "@pytest.fixture",
        "def pyfactory_context(db_session: Session) -> dict[str, Any]:",
        '    """The context of every registered factory: the test\'s session."""',
        '    return {"session": db_session}',
    ]


def _django_fixtures() -> list[str]:
    return [
        "@pytest.fixture(autouse=True)",
        "def _database(db: None) -> None:",
        '    """Every test may write to the test database (pytest-django\'s ``db``)."""',
    ]


def _snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", name).lower()
