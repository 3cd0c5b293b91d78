"""A plan's ``build()`` written out as one function.

``build()`` of a schema with special fields and nothing laid over it is the hot path
of most test suites. :meth:`Resolution.straight
<pyfactory._core.resolution.resolver.Resolution.straight>` serves it with one loop for
every plan: per field, a membership test, the stack of keys being resolved, a call of
the field's ``resolve`` and the bookkeeping of what is still pending. Most of that only
depends on the plan, so :func:`compile_build` writes the loop out once per plan, as
attrs and dataclasses write an ``__init__``: each field's step in declaration order,
with the work of the common kinds inlined:

* a ``sequence()`` without ``resume`` takes its counter's next number, found once;
* a ``lazy()`` calls its function with the object's attributes;
* an ``association()`` whose child is made by its factory's ``build()`` shortcut (a
  schema of plain values) calls that shortcut;
* any other field, and those when a ``defaults()`` block is open, runs the loop's own
  step (:meth:`~pyfactory._core.resolution.resolver.Resolution.resolve`).

The pending keys, the stack and the membership tests are kept only where a field that
may read others (anything but a sequence or a child) could see them. The function
keeps its own pool of resolutions, reseated per object with only what changes: its
number, its values and its stream root. Errors are those of the loop, raised by the
same resolution methods. A model call and its error are handed in by the realization
layer, so this module, like the rest of the resolver, never reaches a builder.

Hand-written code generation rather than a library: what is generated is a dozen
lines per field of this resolver's own protocol, which no library knows.
"""

from __future__ import annotations

from collections.abc import Callable
from types import CoroutineType
from typing import TYPE_CHECKING, Any

from pyfactory._core.resolution import defaults as _defaults
from pyfactory._core.resolution.resolver import _LOOKED_AT_SYNC, Resolution
from pyfactory._walk import fresh_copy
from pyfactory.fields import AssociationField, LazyField, SequenceField, SpecialField

if TYPE_CHECKING:
    from pyfactory._core.plan.plan import Plan
    from pyfactory._factory import Factory

__all__ = ["compile_build"]

#: What the generated function is: no arguments, the finished model instance.
Build = Callable[[], Any]

_HEAD = """\
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
    values = r.values
"""

# A field's step as the resolver's loop runs it (its {check} is the membership test,
# for fields that an earlier field may have resolved already by reading it).
_GENERIC = """\
{check}{pad}    push({key!r})
{pad}    r.key = {key!r}
{pad}    try:
{pad}        value = f{i}.resolve(r)
{pad}    except Exception as exc:
{pad}        error = r._wrap({key!r}, exc)
{pad}        raise error from error.__cause__
{pad}    finally:
{pad}        pop()
"""

_SEQUENCE = """\
{check}{pad}    try:
{pad}        value = f{i}_render(f{i}_counter.next())
{pad}    except Exception as exc:
{pad}        error = r._wrap({key!r}, exc)
{pad}        raise error from error.__cause__
"""

_LAZY = """\
{check}{pad}    push({key!r})
{pad}    r.key = {key!r}
{pad}    try:
{pad}        value = f{i}_fn(r.attrs)
{pad}    except Exception as exc:
{pad}        error = r._wrap({key!r}, exc)
{pad}        raise error from error.__cause__
{pad}    finally:
{pad}        pop()
"""

_CHILD = """\
{check}{pad}    if defaults.open_count:
{pad}        r.key = {key!r}
{pad}        try:
{pad}            value = f{i}.resolve(r)
{pad}        except Exception as exc:
{pad}            error = r._wrap({key!r}, exc)
{pad}            raise error from error.__cause__
{pad}    else:
{pad}        try:
{pad}            value = f{i}_child()
{pad}        except Exception as exc:
{pad}            r.key = {key!r}
{pad}            error = r._quick_child_error(f{i}, exc, None)
{pad}            raise error from error.__cause__
{pad}        r.children[f{i}_id] = value
"""

# What every step ends with: what the loop does with a value, as it does it.
_KEEP = """\
{pad}    if type(value) in looked_at:
{pad}        if type(value) is coroutine:
{pad}            r._awaitable({key!r}, value)
{pad}        value = r._kept(f{i}, value)
{discard}{pad}    values[{key!r}] = value
"""

_TAIL = """\
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
    scope: dict[str, Any] = {
        "Resolution": Resolution,
        "factory": factory,
        "plan": plan,
        "schema": plan.schema,
        "counts": factory._pf_counts,
        "base": plan.base,
        "model": model,
        "model_error": model_error,
        "defaults": _defaults,
        "looked_at": _LOOKED_AT_SYNC,
        "coroutine": CoroutineType,
        "fresh_copy": fresh_copy,
    }
    pool: list[Resolution] = []
    scope["pool_pop"], scope["pool_append"] = pool.pop, pool.append
    lines = [_HEAD]
    lines.extend(f"    values[{key!r}] = fresh_copy(values[{key!r}])\n" for key in plan.copies)
    steps, reads = _steps(factory, plan, scope)
    if reads:
        lines.append(
            "    pending = r.pending = set(specials)\n"
            "    stack = r.stack\n"
            "    push, pop = stack.append, stack.pop\n"
        )
        scope["specials"] = plan.specials
    lines.extend(steps)
    finish = "r.finish()[0]" if plan.transient else "r.finish()[0] if r.omitted else values"
    lines.append(_TAIL.format(finish=finish))
    source = "".join(lines)
    code = compile(source, f"<pyfactory build of {plan.where()}>", "exec")
    # Keys enter the source only as repr() literals; everything else is in scope.
    exec(code, scope)
    build: Build = scope["build"]
    return build


def _steps(factory: Factory[Any], plan: Plan, scope: dict[str, Any]) -> tuple[list[str], bool]:
    """Each special field's step, and whether some field may read the others."""
    fields: list[tuple[str, SpecialField[Any], str]] = []
    for i, key in enumerate(plan.specials):
        field: SpecialField[Any] = plan.base[key]
        scope[f"f{i}"] = field
        kind = _GENERIC
        if type(field) is SequenceField and field.pattern is None:
            kind = _SEQUENCE
            scope[f"f{i}_counter"] = field.counter_for(type(factory), key)
            scope[f"f{i}_render"] = field._render
        elif type(field) is LazyField:
            kind = _LAZY
            scope[f"f{i}_fn"] = field.fn
        elif type(field) is AssociationField:
            quick = _quick_child(factory, plan, key, field)
            if quick is not None:
                kind = _CHILD
                scope[f"f{i}_child"], scope[f"f{i}_id"] = quick, id(field)
        fields.append((key, field, kind))
    readers = [i for i, (_, _, kind) in enumerate(fields) if kind in (_GENERIC, _LAZY)]
    steps = []
    for i, (key, _field, kind) in enumerate(fields):
        # A field an earlier reader may have resolved on demand is looked for first.
        checked = bool(readers) and readers[0] < i
        check = f"    if {key!r} in pending:\n" if checked else ""
        pad = "    " if checked else ""
        # The pending keys matter to a later reader only.
        later = bool(readers) and readers[-1] > i
        discard = f"{pad}    pending.discard({key!r})\n" if later else ""
        body = kind.format(check=check, pad=pad, key=key, i=i)
        steps.append(body + _KEEP.format(pad=pad, key=key, i=i, discard=discard))
    return steps, bool(readers)
