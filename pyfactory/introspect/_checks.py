"""CHECK constraints read into bounds: what a SQLAlchemy table or a Django model's
``Meta.constraints`` lets a row hold, in the terms auto-filled fields draw from.

A constraint is split at its top-level ``AND``s; each part is read if it is one of

* ``x > 0``, ``x >= 1``, ``x <= 10``, ``0 < x`` (a column against a literal),
* ``x = 'a'``, ``x IN ('a', 'b')``, ``x BETWEEN 1 AND 10``,
* ``length(x) >= 3`` (``char_length``, ``len``): a length bound,
* ``ends_at > starts_at`` (two columns): a pair, which the auto layer draws in order,

and kept as text otherwise (``OR``, ``NOT``, ``<>``, arithmetic, casts, functions):
such a part is checked, where it can be, by drawing again (see
:mod:`pyfactory._core.plan.checked`). Reading the parts of an ``AND`` separately is
sound: each is a condition every row must meet.

Why a parser of our own: no well-kept SQL parser is a dependency (``sqlglot`` is not,
and ``sqlparse``, which Django brings, only tokenizes), and the grammar read here is
a dozen tokens; everything past it is left as text, never guessed at.
"""

from __future__ import annotations

import contextlib
import datetime
import decimal
import re
from collections.abc import Mapping
from typing import Any

import attrs

from pyfactory.introspect._info import FieldInfo

__all__ = [
    "Check",
    "Compare",
    "Pair",
    "apply_checks",
    "django_checks",
    "parse_check",
    "sqlalchemy_checks",
]


@attrs.frozen
class Compare:
    """One field against literals: ``op`` is ``ge``, ``gt``, ``le``, ``lt``, ``in`` (``value``
    a tuple) or ``len_ge``/``len_gt``/``len_le``/``len_lt`` (a length against an int)."""

    field: str
    op: str
    value: Any


@attrs.frozen
class Pair:
    """``low < high`` (``strict``) or ``low <= high``: two fields of one row."""

    low: str
    high: str
    strict: bool


@attrs.frozen(eq=False)
class Check:
    """One CHECK constraint of a model, read as far as it goes.

    Attributes:
        name: The constraint's name, or ``None``.
        text: The SQL text (or, for Django, the ``Q`` it was given), for messages.
        parts: The parts read: :class:`Compare` and :class:`Pair` records, in field names.
        unread: The parts not read, as text; empty when the whole constraint was read.
        columns: Field name → column name of the fields the text mentions, for
            evaluating it against a row (SQLAlchemy only).
    """

    name: str | None
    text: str
    parts: tuple[Compare | Pair, ...]
    unread: tuple[str, ...]
    columns: Mapping[str, str] = attrs.field(factory=dict)

    @property
    def label(self) -> str:
        """How messages name it: ``CHECK ck_name (text)`` or ``CHECK (text)``."""
        return f"CHECK {self.name} ({self.text})" if self.name else f"CHECK ({self.text})"


# ----------------------------------------------------------------- the SQL reader

_TOKEN = re.compile(
    r"""\s*(?:
      (?P<number>\d+(?:\.\d*)?(?:[eE][-+]?\d+)?|\.\d+(?:[eE][-+]?\d+)?)
    | (?P<string>'(?:[^']|'')*')
    | (?P<quoted>"(?:[^"]|"")*"|`[^`]*`|\[[^\]]*\])
    | (?P<word>[A-Za-z_][A-Za-z_0-9$]*)
    | (?P<op>>=|<=|<>|!=|==|::|[<>=(),.\-+*/%|~!])
    )""",
    re.VERBOSE,
)
_FLIP = {"ge": "le", "gt": "lt", "le": "ge", "lt": "gt", "eq": "eq"}
_OPS = {">=": "ge", ">": "gt", "<=": "le", "<": "lt", "=": "eq", "==": "eq"}
_LENGTHS = frozenset({"length", "char_length", "character_length", "len"})


class _Unread(Exception):
    """A part outside the grammar read here."""


def _tokens(text: str) -> list[tuple[str, Any]]:
    found: list[tuple[str, Any]] = []
    at = 0
    text = text.strip()
    while at < len(text):
        match = _TOKEN.match(text, at)
        if match is None or match.end() == at:
            raise _Unread(text)
        at = match.end()
        kind = match.lastgroup
        raw = match.group(kind or 0)
        if kind == "number":
            found.append(("lit", int(raw) if raw.isdigit() else decimal.Decimal(raw)))
        elif kind == "string":
            found.append(("lit", raw[1:-1].replace("''", "'")))
        elif kind == "quoted":
            found.append(("name", raw[1:-1].replace('""', '"')))
        elif kind == "word":
            upper = raw.upper()
            if upper in ("TRUE", "FALSE"):
                found.append(("lit", upper == "TRUE"))
            elif upper in ("AND", "OR", "NOT", "BETWEEN", "IN", "IS", "NULL", "LIKE"):
                found.append(("kw", upper))
            else:
                found.append(("name", raw))
        else:
            found.append(("op", raw))
    return found


def _split_and(tokens: list[tuple[str, Any]]) -> list[list[tuple[str, Any]]]:
    """The parts of a top-level ``AND`` (not the ``AND`` of a ``BETWEEN``)."""
    parts: list[list[tuple[str, Any]]] = [[]]
    depth = 0
    between = 0
    for token in tokens:
        if token == ("op", "("):
            depth += 1
        elif token == ("op", ")"):
            depth -= 1
        elif depth == 0 and token == ("kw", "BETWEEN"):
            between += 1
        elif depth == 0 and token == ("kw", "AND"):
            if between:
                between -= 1
            else:
                parts.append([])
                continue
        parts[-1].append(token)
    return parts


def _wrapped(tokens: list[tuple[str, Any]]) -> bool:
    """Whether one pair of parentheses holds the whole part."""
    if len(tokens) < 2 or tokens[0] != ("op", "(") or tokens[-1] != ("op", ")"):
        return False
    depth = 0
    for i, token in enumerate(tokens):
        depth += token == ("op", "(")
        depth -= token == ("op", ")")
        if depth == 0 and i < len(tokens) - 1:
            return False
    return True


def _render(tokens: list[tuple[str, Any]]) -> str:
    words = []
    for kind, value in tokens:
        if kind == "lit" and isinstance(value, str):
            words.append("'" + value.replace("'", "''") + "'")
        else:
            words.append(str(value))
    text = " ".join(words).replace("( ", "(").replace(" )", ")").replace(" ,", ",")
    return text.replace(" . ", ".").replace(" :: ", "::")


def parse_check(text: str, columns: Mapping[str, str]) -> tuple[list[Compare | Pair], list[str]]:
    """The parts of a CHECK's SQL ``text`` that are read, in field names, and the text
    of those that are not. ``columns`` maps each column name to its field's name; a
    name outside it (another table's, a function's) makes its part unread."""
    try:
        tokens = _tokens(text)
    except _Unread:
        return [], [text]
    read: list[Compare | Pair] = []
    unread: list[str] = []
    _conjunction(tokens, columns, read, unread)
    return read, unread


def _conjunction(
    tokens: list[tuple[str, Any]],
    columns: Mapping[str, str],
    read: list[Compare | Pair],
    unread: list[str],
) -> None:
    for found in _split_and(tokens):
        part = found
        while _wrapped(part):
            part = part[1:-1]
        if len(_split_and(part)) > 1:
            _conjunction(part, columns, read, unread)  # (a AND b) AND c
            continue
        try:
            read.extend(_part(part, columns))
        except _Unread:
            unread.append(_render(part))


def _operand(tokens: list[tuple[str, Any]], at: int, columns: Mapping[str, str]) -> tuple[Any, int]:
    """``("col", field)``, ``("len", field)`` or ``("lit", value)`` at ``at``, and where it ends."""
    kind, value = tokens[at] if at < len(tokens) else ("end", None)
    if kind == "op" and value == "-" and at + 1 < len(tokens) and tokens[at + 1][0] == "lit":
        number = tokens[at + 1][1]
        if isinstance(number, (int, decimal.Decimal)) and not isinstance(number, bool):
            return ("lit", -number), at + 2
    if kind == "lit":
        return ("lit", value), at + 1
    if kind == "name":
        following = tokens[at + 1] if at + 1 < len(tokens) else None
        if following == ("op", "(") and str(value).lower() in _LENGTHS:
            inner, end = _operand(tokens, at + 2, columns)
            if inner[0] == "col" and end < len(tokens) and tokens[end] == ("op", ")"):
                return ("len", inner[1]), end + 1
            raise _Unread
        while following == ("op", ".") and at + 2 < len(tokens) and tokens[at + 2][0] == "name":
            at += 2  # table.column: the column
            value = tokens[at][1]
            following = tokens[at + 1] if at + 1 < len(tokens) else None
        field = columns.get(str(value))
        if field is not None and following != ("op", "("):
            return ("col", field), at + 1
    raise _Unread


def _part(tokens: list[tuple[str, Any]], columns: Mapping[str, str]) -> list[Compare | Pair]:
    left, at = _operand(tokens, 0, columns)
    if at >= len(tokens):
        raise _Unread
    kind, value = tokens[at]
    if (kind, value) == ("kw", "BETWEEN"):
        low, at = _operand(tokens, at + 1, columns)
        if at >= len(tokens) or tokens[at] != ("kw", "AND"):
            raise _Unread
        high, at = _operand(tokens, at + 1, columns)
        if at != len(tokens):
            raise _Unread
        return [*_compare(left, "ge", low), *_compare(left, "le", high)]
    if (kind, value) == ("kw", "IN"):
        if (
            left[0] != "col"
            or tokens[at + 1 : at + 2] != [("op", "(")]
            or tokens[-1] != ("op", ")")
        ):
            raise _Unread
        items = tokens[at + 2 : -1]
        values = items[0::2]
        if not values or any(k != "lit" for k, _ in values):
            raise _Unread
        if any(t != ("op", ",") for t in items[1::2]) or len(items) % 2 == 0:
            raise _Unread
        return [Compare(left[1], "in", tuple(v for _, v in values))]
    op = _OPS.get(value) if kind == "op" else None
    if op is None:
        raise _Unread
    right, at = _operand(tokens, at + 1, columns)
    if at != len(tokens):
        raise _Unread
    return _compare(left, op, right)


def _compare(left: Any, op: str, right: Any) -> list[Compare | Pair]:
    if left[0] == "lit" and right[0] != "lit":
        left, op, right = right, _FLIP[op], left
    if left[0] == "col" and right[0] == "col":
        if op in ("gt", "ge"):
            return [Pair(right[1], left[1], op == "gt")]
        if op in ("lt", "le"):
            return [Pair(left[1], right[1], op == "lt")]
        raise _Unread  # two columns equal: not drawn in order
    if right[0] != "lit" or right[1] is None:
        raise _Unread
    if left[0] == "len":
        if op == "eq" or not isinstance(right[1], int) or isinstance(right[1], bool):
            raise _Unread
        return [Compare(left[1], f"len_{op}", right[1])]
    if left[0] != "col":
        raise _Unread
    if op == "eq":
        return [Compare(left[1], "in", (right[1],))]
    return [Compare(left[1], op, right[1])]


# ----------------------------------------------------------------- the backends


def sqlalchemy_checks(model: type[Any]) -> list[Check]:
    """The CHECK constraints of the tables a mapped class maps (table-level and
    column-level ones alike), read into field names. An expression given as SQL
    (``CheckConstraint("x > 0")``) is read as written; one given as a SQLAlchemy
    expression (``CheckConstraint(column("x") > 0)``) is compiled first."""
    from sqlalchemy import CheckConstraint, Column, inspect
    from sqlalchemy.orm.exc import UnmappedColumnError

    mapper = inspect(model)
    found: list[Check] = []
    for table in mapper.tables:
        columns: dict[str, str] = {}
        for column in table.columns:
            if isinstance(column, Column):
                try:
                    columns[str(column.name)] = str(mapper.get_property_by_column(column).key)
                except UnmappedColumnError:
                    continue
        declared = list(getattr(table, "constraints", ()))
        for column in table.columns:
            declared.extend(getattr(column, "constraints", ()))  # Column(..., CheckConstraint())
        texts = {
            constraint: _sql_text(constraint.sqltext)
            for constraint in declared
            if isinstance(constraint, CheckConstraint)
        }
        # A table keeps its constraints in a set: in the order of their text, so that
        # every run reads (and names in messages) the same list.
        for constraint, text in sorted(texts.items(), key=lambda item: item[1]):
            parts, unread = parse_check(text, columns)
            name = constraint.name if isinstance(constraint.name, str) else None
            named = _names_in(text)
            by_field = {f: c for c, f in columns.items() if c in named}
            found.append(Check(name, text, tuple(parts), tuple(unread), by_field))
    return found


def _names_in(text: str) -> set[str]:
    """The names a CHECK's text mentions (its columns among them); all of its words when
    it does not tokenize, which is more than it needs but never less."""
    try:
        return {str(value) for kind, value in _tokens(text) if kind == "name"}
    except _Unread:
        return set(re.findall(r"[A-Za-z_][A-Za-z_0-9$]*", text))


def _sql_text(sqltext: Any) -> str:
    from sqlalchemy import TextClause

    if isinstance(sqltext, TextClause):
        return str(sqltext.text)
    try:
        return str(sqltext.compile(compile_kwargs={"literal_binds": True}))
    except Exception:  # a literal of a type with no SQL literal: kept as text, not read
        return str(sqltext)


#: Django lookups read, as the comparisons they are.
_LOOKUPS = {
    "gt": "gt",
    "gte": "ge",
    "lt": "lt",
    "lte": "le",
    "exact": "eq",
    "in": "in",
    "range": "range",
}


def django_checks(model: type[Any]) -> list[Check]:
    """The ``CheckConstraint`` entries of a Django model's ``Meta.constraints``, read
    from their ``Q`` (``condition=`` since Django 5.1, ``check=`` before)."""
    from django.db.models import CheckConstraint

    found: list[Check] = []
    concrete = {f.name: f.name for f in model._meta.concrete_fields}
    concrete.update({f.attname: f.name for f in model._meta.concrete_fields})
    columns = {f.name: str(f.column) for f in model._meta.concrete_fields}
    for constraint in model._meta.constraints:
        if not isinstance(constraint, CheckConstraint):
            continue
        condition = getattr(constraint, "condition", None) or getattr(constraint, "check", None)
        read: list[Compare | Pair] = []
        unread: list[str] = []
        _read_q(condition, concrete, read, unread)
        text = _q_text(condition)
        found.append(Check(constraint.name, text, tuple(read), tuple(unread), columns))
    return found


_SIGNS = {"gt": ">", "gte": ">=", "lt": "<", "lte": "<=", "exact": "="}


def _q_text(q: Any) -> str:
    """A ``Q`` written as the SQL it stands for, for messages: ``check_out > check_in``."""
    from django.db.models import F, Q

    if not isinstance(q, Q):
        return str(q)
    parts = []
    for child in q.children:
        if isinstance(child, Q):
            text = _q_text(child)
            parts.append(f"({text})" if len(child.children) > 1 and not child.negated else text)
            continue
        if not isinstance(child, tuple) or len(child) != 2:
            parts.append(str(child))  # a lookup or expression of its own
            continue
        lookup, value = child
        name, _, kind = str(lookup).partition("__")
        kind = kind or "exact"
        if kind == "range":
            parts.append(f"{name} BETWEEN {value[0]!r} AND {value[1]!r}")
        elif kind == "in":
            parts.append(f"{name} IN ({', '.join(map(repr, value))})")
        elif kind in _SIGNS:
            shown = value.name if isinstance(value, F) else repr(value)
            parts.append(f"{name} {_SIGNS[kind]} {shown}")
        else:
            parts.append(f"{lookup}={value!r}")
    text = f" {q.connector} ".join(parts)
    return f"NOT ({text})" if q.negated else text


def _read_q(
    q: Any, fields: Mapping[str, str], read: list[Compare | Pair], unread: list[str]
) -> None:
    from django.db.models import F, Q

    if not isinstance(q, Q) or q.negated or (q.connector != Q.AND and len(q.children) > 1):
        unread.append(_q_text(q))
        return
    for child in q.children:
        if isinstance(child, Q):
            _read_q(child, fields, read, unread)
            continue
        if not isinstance(child, tuple) or len(child) != 2:
            unread.append(_q_text(Q(child)))
            continue
        lookup, value = child
        name, _, kind = str(lookup).partition("__")
        op = _LOOKUPS.get(kind or "exact")
        field = fields.get(name)
        if op is None or field is None or (isinstance(value, F) and op in ("in", "range")):
            unread.append(_q_text(Q(child)))
            continue
        if isinstance(value, F):
            other = fields.get(str(value.name))
            if other is None or op == "eq":
                unread.append(_q_text(Q(child)))
                continue
            read.extend(_compare(("col", field), op, ("col", other)))
        elif op == "range":
            low, high = value
            read.extend([Compare(field, "ge", low), Compare(field, "le", high)])
        elif op == "in":
            read.append(Compare(field, "in", tuple(value)))
        elif hasattr(value, "resolve_expression"):
            unread.append(_q_text(Q(child)))  # an expression the database computes
        else:
            try:
                read.extend(_compare(("col", field), op, ("lit", value)))
            except _Unread:  # field=None: IS NULL
                unread.append(_q_text(Q(child)))


# ----------------------------------------------------------------- into the fields

_ORDERED = (int, float, decimal.Decimal, datetime.date, datetime.datetime, datetime.time)
_TIGHTER = {"ge": max, "gt": max, "le": min, "lt": min, "min_length": max, "max_length": min}


def _base_type(info: FieldInfo) -> Any:
    from pyfactory.introspect._common import non_none

    return non_none(info.type)


def _literal(value: Any, tp: Any) -> Any:
    """A literal as a value of the field's type; raises :class:`_Unread` if it is not one."""
    if not isinstance(tp, type):
        raise _Unread
    if isinstance(value, tp) and not (isinstance(value, bool) and tp is not bool):
        return value
    if isinstance(value, str):
        if issubclass(tp, (datetime.date, datetime.time)):
            try:
                return tp.fromisoformat(value)  # a datetime's own: it is a date subclass
            except ValueError:
                raise _Unread from None
        raise _Unread
    if issubclass(tp, bool):
        if isinstance(value, int) and value in (0, 1):
            return bool(value)  # Boolean(create_constraint=True): flag IN (0, 1)
        raise _Unread
    if isinstance(value, bool):
        raise _Unread
    if isinstance(value, (int, decimal.Decimal)) and issubclass(tp, (int, float, decimal.Decimal)):
        if issubclass(tp, float):
            return float(value)
        # An int field keeps a fractional bound exact: the number rules round it.
        return decimal.Decimal(value) if issubclass(tp, decimal.Decimal) else value
    raise _Unread


def apply_checks(
    infos: list[FieldInfo], checks: list[Check]
) -> tuple[list[FieldInfo], list[Check]]:
    """``infos`` with the bounds and choices that the checks' parts put on single fields
    (the stricter of a field's own and the check's), and the checks with each part that
    does not fit its field's type (a range on a text column, a date that does not parse)
    moved to ``unread``."""
    by_name = {info.name: info for info in infos}
    changes: dict[str, dict[str, Any]] = {}
    kept: list[Check] = []
    for check in checks:
        parts: list[Compare | Pair] = []
        unread = list(check.unread)
        for part in check.parts:
            if isinstance(part, Pair):
                if part.low in by_name and part.high in by_name:
                    parts.append(part)
                else:
                    unread.append(f"{part.low} {'<' if part.strict else '<='} {part.high}")
                continue
            info = by_name.get(part.field)
            try:
                if info is None:
                    raise _Unread
                change = _change(info, part, changes.get(info.name, {}))
            except _Unread:
                unread.append(_describe(part))
                continue
            changes.setdefault(info.name, {}).update(change)
            parts.append(part)
        kept.append(attrs.evolve(check, parts=tuple(parts), unread=tuple(unread)))
    for check in kept:
        for part in check.parts:
            if isinstance(part, Pair):
                _implied(by_name[part.low], by_name[part.high], part.strict, changes)
    if changes:
        infos = [
            attrs.evolve(info, **changes[info.name]) if info.name in changes else info
            for info in infos
        ]
    return infos, kept


def _implied(
    low: FieldInfo, high: FieldInfo, strict: bool, changes: dict[str, dict[str, Any]]
) -> None:
    """What ``low < high`` (or ``<=``) says of each field's own bounds: ``low`` stays
    below ``high``'s upper bound and ``high`` above ``low``'s lower one, so that the
    later field, drawn from the earlier plus a step, has room for a step."""
    tp = _base_type(low)
    if tp is not _base_type(high) or not (isinstance(tp, type) and issubclass(tp, _ORDERED)):
        return
    for source, target, names in ((high, low, ("le", "lt")), (low, high, ("ge", "gt"))):
        now = {**_bounds_of(source), **changes.get(source.name, {})}
        inclusive, exclusive = names
        if now.get(inclusive) is not None:
            bound, name = now[inclusive], exclusive if strict else inclusive
        elif now.get(exclusive) is not None:
            bound, name = now[exclusive], exclusive
        else:
            continue
        changed = changes.setdefault(target.name, {})
        changed.update(_tighter(target, changed, name, bound))


def _bounds_of(info: FieldInfo) -> dict[str, Any]:
    return {name: getattr(info, name) for name in ("ge", "gt", "le", "lt")}


def _describe(part: Compare) -> str:
    signs = {"ge": ">=", "gt": ">", "le": "<=", "lt": "<"}
    if part.op == "in":
        return f"{part.field} IN ({', '.join(map(repr, part.value))})"
    if part.op.startswith("len_"):
        return f"length({part.field}) {signs[part.op[4:]]} {part.value!r}"
    return f"{part.field} {signs[part.op]} {part.value!r}"


def _change(info: FieldInfo, part: Compare, sofar: Mapping[str, Any]) -> dict[str, Any]:
    tp = _base_type(info)
    op = part.op
    if op.startswith("len_"):
        if not (isinstance(tp, type) and issubclass(tp, (str, bytes))):
            raise _Unread
        name, shift = _LENGTH_BOUNDS[op]
        return _tighter(info, sofar, name, part.value + shift)
    if op == "in":
        current = sofar.get("choices", info.choices)
        if current:
            return {"choices": tuple(c for c in current if _matches(c, part.value))}
        allowed = tuple(dict.fromkeys(_literal(v, tp) for v in part.value))
        if tp is bool and set(allowed) == {False, True}:
            return {}  # Boolean(create_constraint=True) allows what a bool is
        return {"choices": allowed}
    if not (isinstance(tp, type) and issubclass(tp, _ORDERED)) or issubclass(tp, bool):
        raise _Unread
    return _tighter(info, sofar, op, _literal(part.value, tp))


_LENGTH_BOUNDS = {
    "len_ge": ("min_length", 0),
    "len_gt": ("min_length", 1),
    "len_le": ("max_length", 0),
    "len_lt": ("max_length", -1),
}


def _matches(choice: Any, allowed: tuple[Any, ...]) -> bool:
    """An Enum member matches its name or value (SQLAlchemy stores names, Django values)."""
    return any(
        choice == value
        or getattr(choice, "name", None) == value
        or getattr(choice, "value", None) == value
        for value in allowed
    )


def _tighter(info: FieldInfo, sofar: Mapping[str, Any], name: str, value: Any) -> dict[str, Any]:
    current = sofar.get(name, getattr(info, name))
    if current is not None:
        with contextlib.suppress(TypeError):  # bounds that do not compare: the check's
            value = _TIGHTER[name](current, value)
    return {name: value}
