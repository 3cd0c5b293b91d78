"""A plan's resolution written out as one function: ``build()`` and a batch's rows.

``build()`` of a schema with special fields and nothing laid over it is the hot path
of most test suites, and the rows of a batch are the hot path of seeds and datasets.
:meth:`Resolution.straight <pyfactory._core.resolution.resolver.Resolution.straight>`
serves both with one loop for every plan: per field, a membership test, the stack of
keys being resolved, a call of the field's ``resolve`` and the bookkeeping of what is
still pending. Most of that only depends on the plan, so this module writes the loop
out once per plan, as attrs and dataclasses write an ``__init__``: each field's step
in declaration order, with the work of the common kinds inlined:

* a ``sequence()`` without ``resume`` takes its counter's next number, found once (in
  a dataset, the row's number), also as a ``transient()``'s default;
* a ``transient()`` of a plain value gives it;
* a ``lazy()`` calls its function with the object's attributes;
* a ``fake()`` (not ``unique``, with nothing passed down to it) calls its provider,
  once compiled for the factory's Faker, with the value's key;
* an ``association()`` whose child is made by its factory's ``build()`` shortcut (a
  schema of plain values) calls that shortcut where the loop would;
* any other field, and those where the loop would take the long way (a ``defaults()``
  block open, a batch collecting children), runs the loop's own step.

The pending keys, the stack and the membership tests are kept only where a field that
may read others (a lazy one, or any field left to itself) could see them, and a row
whose fields make no child leaves its batch aside (nothing waits there to be settled
when a lazy field reads a value). Three functions are written: ``build()`` (which
also calls the model, handed in with its error by the realization layer, so that
this module, like the rest of the resolver, never reaches a builder), one row of a
batch (:func:`straight`), and the loop over a chunk's rows with their seats written
out (:func:`rows`). Each keeps its own pool of resolutions. Errors are those of the
resolver's loop, raised by the same resolution methods: ``tests/test_compiled_build.py``
and ``tests/test_compiled_rows.py`` hold the two to the same values and errors.

The source depends only on the plan's shape (its keys, the kind of each field), so it
is compiled once per shape and process; each factory instance ``exec``\\ s the code
object with its own fields, counters and pool, which costs a few microseconds.

Hand-written code generation rather than a library: what is generated is a dozen
lines per field of this resolver's own protocol, which no library knows.
"""

from __future__ import annotations

import linecache
from collections.abc import Callable
from functools import lru_cache
from itertools import count
from textwrap import indent
from types import CodeType, CoroutineType
from typing import TYPE_CHECKING, Any

from pyfactory._core.resolution import defaults as _defaults
from pyfactory._core.resolution.context import Seat
from pyfactory._core.resolution.resolver import _LOOKED_AT_SYNC, Resolution
from pyfactory._drawn import FakeField
from pyfactory._walk import fresh_copy
from pyfactory.fields import (
    AssociationField,
    LazyField,
    SequenceField,
    SpecialField,
    TransientField,
)

if TYPE_CHECKING:
    from pyfactory._core.plan.plan import Plan
    from pyfactory._core.resolution.pending import Batch
    from pyfactory._factory import Factory

__all__ = ["Build", "Row", "compile_build", "compile_row", "rows", "straight"]

#: ``build()``'s function: no arguments, the finished model instance.
Build = Callable[[], Any]
#: A row's function: ``(seat, batch, quick, scope)`` in, what the builder gets and
#: every value out, as :meth:`Resolution.straight` gives them.
Row = Callable[[Seat, "Batch | None", bool, str], tuple[dict[str, Any], dict[str, Any]]]

# build()'s head: Resolution._seat(None) written out (the object's number, a fresh
# root and values); a new resolution seats itself.
_BUILD_HEAD = """\
def build():
    try:
        r = pool_pop()
    except IndexError:
        r = Resolution(factory, plan, "build", False, None, None)
        r.quick = True
    else:
        n = counts.get(schema, 0)
        counts[schema] = n + 1
        r.index = r.number = n
        r.root = None
        r.omitted = False
        r.values = base.copy()
{copies}    values = r.values
    shortcut = True
    at_row = None
"""

_BUILD_TAIL = """\
    built = {finish}
    r.values = None
    if r.children:
        r.children.clear()
    pool_append(r)
    try:
        return model(**built)
    except Exception as exc:
        error = model_error(built, exc)
        raise error from error.__cause__
"""

# A batch's row: the batch's seat, seated by the resolution itself.
_ROW_HEAD = """\
def row(seat, batch, quick, scope):
    try:
        r = pool_pop()
    except IndexError:
        r = Resolution(factory, plan, scope, False, None, seat)
    else:
        r._seat(seat)
        r.scope = scope
    r.batch = {batch}
    r.quick = quick
    shortcut = quick and batch is None
    at_row = r.row
    values = r.values
"""

_ROW_TAIL = """\
    result = {finish}
    r.values = r.batch = None
    if r.children:
        r.children.clear()
    pool_append(r)
    return result
"""

# All the rows of a chunk: Resolution._seat() written out for a batch's seats (no
# parent, no root given), then each row's steps, indented by one more level.
_ROWS_HEAD = """\
def {name}(scope, batch, quick, first, place, filled, rows_of, count):
    all_built = []
    all_values = []
    built_append, values_append = all_built.append, all_values.append
    shortcut = quick and batch is None
    for index in range(count):
        number = first + index
        try:
            r = pool_pop()
        except IndexError:
            own = filled[index] if filled is not None else None
            seat = Seat(place + index, number, None, None, own, number if rows_of else None)
            r = Resolution(factory, plan, scope, False, None, seat)
        else:
            r.index = place + index
            r.number = number
            r.root = r.parent_at = r.above = None
            r.row = number if rows_of else None
            r.inner = ()
{values}            r.order = pending_keys
            r.pending = set(pending_keys)
            r.omitted = False
            r.scope = scope
        r.batch = {batch}
        r.quick = quick
        at_row = r.row
        values = r.values
"""

_ROWS_TAIL = """\
        built = {finish}
        r.values = r.batch = None
        if r.children:
            r.children.clear()
        pool_append(r)
        built_append(built)
        values_append(values)
    return all_built, all_values
"""

# What a function with a field that may read the others keeps for it.
_READS = """\
    pending = {pending}
    stack = r.stack
    push, pop = stack.append, stack.pop
"""

# A field's step as the resolver's loop runs it (its {check} is the membership test,
# for a field that an earlier one may have resolved already by reading it), around
# the call that gives its value.
_READING = """\
{check}{pad}    push({key!r})
{pad}    r.key = {key!r}
{pad}    try:
{pad}        value = CALL
{pad}    except Exception as exc:
{pad}        error = r._wrap({key!r}, exc)
{pad}        raise error from error.__cause__
{pad}    finally:
{pad}        pop()
"""
_GENERIC = _READING.replace("CALL", "f{i}.resolve(r)")
_LAZY = _READING.replace("CALL", "f{i}_fn(r.attrs)")

_SEQUENCE = """\
{check}{pad}    try:
{pad}        value = f{i}_render(f{i}_counter.next() if at_row is None else f{i}_start + at_row)
{pad}    except Exception as exc:
{pad}        error = r._wrap({key!r}, exc)
{pad}        raise error from error.__cause__
"""

# The field's own resolve(), where a shortcut does not apply (one level in).
_ITSELF = """\
{pad}        r.key = {key!r}
{pad}        try:
{pad}            value = f{i}.resolve(r)
{pad}        except Exception as exc:
{pad}            error = r._wrap({key!r}, exc)
{pad}            raise error from error.__cause__
"""

_CHILD = (
    """\
{check}{pad}    if shortcut and not defaults.open_count:
{pad}        try:
{pad}            value = f{i}_child()
{pad}        except Exception as exc:
{pad}            r.key = {key!r}
{pad}            error = r._quick_child_error(f{i}, exc, None)
{pad}            raise error from error.__cause__
{pad}        r.children[f{i}_id] = value
{pad}    else:
"""
    + _ITSELF
)

# A fake() with nothing passed down to it: its provider, compiled for the factory's
# Faker, takes the value's key, as FakeField.resolve's own hot path does.
_FAKE = (
    """\
{check}{pad}    made = f{i}._compiled
{pad}    if made is not None and made[0] is factory._pf_randomness.faker and made[1]:
{pad}        try:
{pad}            value = made[1](r._key_at({key!r}, ()))
{pad}        except Exception as exc:
{pad}            error = r._wrap({key!r}, exc)
{pad}            raise error from error.__cause__
{pad}    else:
"""
    + _ITSELF
)

# A transient() of a plain value: the value.
_CONSTANT = """\
{check}{pad}    value = f{i}_default
"""

# What every step ends with: what the loop does with a value, as it does it.
_KEEP = """\
{pad}    if type(value) in looked_at:
{pad}        if type(value) is coroutine:
{pad}            r._awaitable({key!r}, value)
{pad}        value = r._kept(f{i}, value)
{discard}{pad}    values[{key!r}] = value
"""

_KINDS = {
    "generic": _GENERIC,
    "sequence": _SEQUENCE,
    "lazy": _LAZY,
    "child": _CHILD,
    "fake": _FAKE,
    "constant": _CONSTANT,
}
#: The kinds whose step never makes a child: a row of only these has nothing waiting
#: in its batch for a lazy field's read to settle.
_CHILDLESS = frozenset({"sequence", "lazy", "fake", "constant"})
#: The kinds whose step may read other fields (and so resolve them on demand).
_READERS = frozenset({"generic", "lazy"})

#: A plan's shape: the kind of each field to resolve, by key, the keys copied for
#: each object, the keys the builder gets where some are transient (else None), and
#: where the plan comes from.
Shape = tuple[tuple[tuple[str, str], ...], tuple[str, ...], tuple[str, ...] | None, str]


def compile_build(
    factory: Factory[Any],
    plan: Plan,
    model: Callable[..., Any],
    model_error: Callable[[dict[str, Any], Exception], Exception],
) -> Build:
    """``build()`` of ``plan`` for ``factory`` as one function: what
    :meth:`Resolution.straight` and a call of ``model`` with the built values do, with
    ``model_error(built, exc)`` raised when the model refuses them.

    Its caller checked what ``straight``'s does: a cached plan, with no overrides or
    traits, no observer, no rows made after the object.
    """
    scope = _scope(factory, plan, plan.specials)
    scope["model"], scope["model_error"] = model, model_error
    scope["counts"], scope["schema"] = factory._pf_counts, plan.schema
    shape = (_kinds(scope, factory, plan, plan.specials), *_rest(plan))
    build: Build = _made(scope, "build", shape)
    return build


def compile_row(factory: Factory[Any], plan: Plan, filled: bool) -> Row:
    """A row of a synchronous batch of ``plan`` for ``factory`` as one function: what
    :meth:`Resolution.straight` does with a seat. ``filled``: the batch made the
    plan's ``fake()`` fields a column at a time (``Seat.filled``), so the function
    resolves the others only."""
    keys = plan.columns if filled else plan.specials
    scope = _scope(factory, plan, keys)
    row: Row = _made(scope, "row", (_kinds(scope, factory, plan, keys), *_rest(plan)))
    return row


def straight(
    factory: Factory[Any],
    plan: Plan,
    scope: str,
    seat: Seat,
    batch: Batch | None,
    quick: bool,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """:meth:`Resolution.straight` for a batch's row: the plan's first row is resolved
    by the loop (which makes the children's ``build()`` shortcuts), the next ones by
    the plan's compiled function."""
    filled = bool(seat.filled)
    row = plan.rows.get(filled)
    if row is None:
        if filled not in plan.rows:
            plan.rows[filled] = None
            return Resolution.straight(factory, plan, scope, seat, batch, quick)
        row = plan.rows[filled] = compile_row(factory, plan, filled)
    return row(seat, batch, quick, scope)


def rows(
    factory: Factory[Any],
    plan: Plan,
    scope: str,
    batch: Batch | None,
    quick: bool,
    first: int,
    place: int,
    filled: list[dict[str, Any]] | None,
    rows_of: bool,
    count: int,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]] | None:
    """The ``count`` rows of a chunk of a synchronous batch with nothing laid over
    ``plan``, seated as the batch seats them (the ``index``-th: ``ctx.index`` ``place +
    index``, number ``first + index``, ``ctx.row`` that number where ``rows_of``, the
    fakes of ``filled[index]``): what the builder gets and every value, by row.

    None where the batch's own loop must run: until the plan has a compiled row (its
    first two rows went through :func:`straight`), and when the rows make children
    that wait in ``batch`` (the loop notes which rows hold them)."""
    key = filled is not None
    if not plan.rows.get(key):
        return None
    loop = plan.loops.get(key)
    if loop is None:
        keys = plan.columns if key else plan.specials
        names = _scope(factory, plan, keys)
        kinds = _kinds(names, factory, plan, keys)
        childless = all(kind in _CHILDLESS for _, kind in kinds)
        made = _made(names, "filled_rows" if key else "rows", (kinds, *_rest(plan)))
        loop = plan.loops[key] = (made, childless)
    if batch is not None and not loop[1]:
        return None
    made_rows: tuple[list[dict[str, Any]], list[dict[str, Any]]]
    made_rows = loop[0](scope, batch, quick, first, place, filled, rows_of, count)
    return made_rows


def _scope(factory: Factory[Any], plan: Plan, keys: tuple[str, ...]) -> dict[str, Any]:
    """The names a generated function reads, but for its fields'."""
    pool: list[Resolution] = []
    return {
        "Resolution": Resolution,
        "Seat": Seat,
        "factory": factory,
        "plan": plan,
        "base": plan.base,
        "pending_keys": keys,
        "defaults": _defaults,
        "looked_at": _LOOKED_AT_SYNC,
        "coroutine": CoroutineType,
        "fresh_copy": fresh_copy,
        "pool_pop": pool.pop,
        "pool_append": pool.append,
    }


def _rest(plan: Plan) -> tuple[tuple[str, ...], tuple[str, ...] | None, str]:
    transient = plan.transient
    built = tuple(k for k in plan.base if k not in transient) if transient else None
    return plan.copies, built, plan.where()


def _made(scope: dict[str, Any], name: str, shape: Shape) -> Any:
    # Keys enter the source only as repr() literals; everything else is in scope.
    exec(_code(name, shape), scope)
    return scope[name]


def _kinds(
    scope: dict[str, Any], factory: Factory[Any], plan: Plan, keys: tuple[str, ...]
) -> tuple[tuple[str, str], ...]:
    """The kind of each field's step, putting what the step reads into ``scope``."""
    kinds = []
    for i, key in enumerate(keys):
        field: SpecialField[Any] = plan.base[key]
        scope[f"f{i}"] = field
        kind = "generic"
        # transient() of a plain value, or of a sequence (which counts at the same key).
        held = field.default if type(field) is TransientField else field
        if held is not field and not isinstance(held, SpecialField):
            kind = "constant"
            scope[f"f{i}_default"] = held
        elif type(held) is SequenceField and held.pattern is None:
            kind = "sequence"
            scope[f"f{i}_counter"] = held.counter_for(type(factory), key)
            scope[f"f{i}_render"], scope[f"f{i}_start"] = held._render, held.start
        elif type(field) is FakeField and not field.unique and key not in plan.dunder:
            kind = "fake"
        elif type(field) is LazyField:
            kind = "lazy"
            scope[f"f{i}_fn"] = field.fn
        elif type(field) is AssociationField:
            quick = _quick_child(factory, plan, key, field)
            if quick is not None:
                kind = "child"
                scope[f"f{i}_child"], scope[f"f{i}_id"] = quick, id(field)
        kinds.append((key, kind))
    return tuple(kinds)


def _quick_child(factory: Factory[Any], plan: Plan, key: str, field: AssociationField) -> Any:
    """The ``build()`` shortcut that makes the child at ``key``, as
    :meth:`Resolution.make_child` would use it, or None where it would not."""
    if field.attr is not None or field.traits or field.overrides or key in plan.dunder:
        return None
    child = factory._pf_children.get(field.factory)
    if child is None:
        return None
    child_plan = child._pf_plans.get(field.schema)
    if child_plan is None or not child_plan.simple:
        return None
    return child._pf_quick.get(field.schema)


@lru_cache(maxsize=1024)
def _code(name: str, shape: Shape) -> CodeType:
    """The function ``name`` ("build", "row", "rows" or "filled_rows") for plans of
    ``shape``, compiled once per process: compiling takes far longer than the few
    objects a test builds."""
    kinds, copies, built, where = shape
    readers = [i for i, (_, kind) in enumerate(kinds) if kind in _READERS]
    # A row that makes no child leaves its batch alone, so that its lazy fields' reads
    # need not look for children waiting there to be settled.
    batch = "None" if all(kind in _CHILDLESS for _, kind in kinds) else "batch"
    if name == "build":
        lines = [_BUILD_HEAD.format(copies=_copied(copies, 8))]
    elif name == "row":
        lines = [_ROW_HEAD.format(batch=batch)]
    else:
        own = "filled[index]" if name == "filled_rows" else "base.copy()"
        values = f"            r.values = {own}\n" + (
            "" if own != "base.copy()" else _copied(copies, 12)
        )
        lines = [_ROWS_HEAD.format(name=name, values=values, batch=batch)]
    if readers:
        # _seat() made a row's pending keys already.
        made = "r.pending = set(pending_keys)" if name == "build" else "r.pending"
        lines.append(_READS.format(pending=made))
    for i, (key, kind) in enumerate(kinds):
        # A field an earlier reader may have resolved on demand is looked for first.
        checked = bool(readers) and readers[0] < i
        check = f"    if {key!r} in pending:\n" if checked else ""
        pad = "    " if checked else ""
        # The pending keys matter to a later reader only.
        later = bool(readers) and readers[-1] > i
        discard = f"{pad}    pending.discard({key!r})\n" if later else ""
        lines.append(_KINDS[kind].format(check=check, pad=pad, key=key, i=i))
        lines.append(_KEEP.format(pad=pad, key=key, i=i, discard=discard))
    # What the builder gets: the values, or the values but the transient ones, taken
    # key by key as finish() would; finish() itself drops what a field omitted.
    kept = (
        "values" if built is None else "{" + "".join(f"{k!r}: values[{k!r}], " for k in built) + "}"
    )
    if name == "build":
        lines.append(_BUILD_TAIL.format(finish=f"r.finish()[0] if r.omitted else {kept}"))
    elif name == "row":
        lines.append(_ROW_TAIL.format(finish=f"r.finish() if r.omitted else ({kept}, values)"))
    else:
        # The steps of a row, one level in: the loop's body.
        lines[1:] = [indent(line, "    ") for line in lines[1:]]
        lines.append(_ROWS_TAIL.format(finish=f"r.finish()[0] if r.omitted else {kept}"))
    source = "".join(lines)
    # Each source gets a name of its own, and linecache its lines (as attrs does for
    # the methods it writes), so that a traceback through it shows the step that ran.
    filename = f"<pyfactory {name} of {where} #{next(_numbers)}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    return compile(source, filename, "exec")


_numbers = count(1)


def _copied(copies: tuple[str, ...], depth: int) -> str:
    """The lines that give an object its own copy of each mutable value, at ``depth``."""
    pad = " " * depth
    return "".join(f"{pad}r.values[{k!r}] = fresh_copy(r.values[{k!r}])\n" for k in copies)
