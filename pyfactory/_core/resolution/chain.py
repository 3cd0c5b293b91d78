"""The chain of objects being made one inside another: a child of an association (or
``many``, or a row made after its parent), that child's own child, and so on.

Two things are checked each time an object is about to make a child:

* **Cycles.** A child that is made by the same factory, schema, traits and
  overrides as an object above it, through fields that always make their child
  (a plain ``association`` or ``many``, not one behind ``randomly_nullify`` or a
  ``lazy`` function), would make the same child again, forever. That is refused
  before the child is made, with :class:`~pyfactory.CyclicDependencyError`
  naming the factory and the key that stops it.
* **Depth.** A long chain of distinct factories is legitimate. Each level costs
  a few Python frames, so the recursion limit is raised as the chain grows (and
  put back when it ends), up to :data:`MAX_DEPTH` levels.

The chain lives in a context variable, so threads and asyncio tasks each have
their own.
"""

from __future__ import annotations

import sys
import threading
from contextvars import ContextVar, Token
from typing import TYPE_CHECKING, Any

from pyfactory.errors import CyclicDependencyError
from pyfactory.fields import (
    DerivedField,
    ManyField,
    NestedField,
    SpecialField,
    TransientField,
    holds_special,
)

if TYPE_CHECKING:
    from collections.abc import Mapping
    from types import FrameType

    from pyfactory._core.plan.plan import Plan
    from pyfactory._core.resolution.maker import Maker
    from pyfactory._factory import Factory

__all__ = ["MAX_DEPTH", "Link", "always_makes", "enter", "leave"]

#: How many objects deep one call may nest associations. Python 3.11 and later
#: run a Python call made from Python code without a C stack frame, so a
#: synchronous chain needs only a higher recursion limit: 20,000 levels were
#: measured to work in a thread with a 1 MB stack.
MAX_DEPTH = 10_000
#: The same under ``acreate`` (and on Python 3.10), where each level still takes C
#: stack (8 MB stacks crashed between 3,000 and 5,000 levels under ``acreate`` on
#: 3.11, and between 3,000 and 6,000 for ``build`` on 3.10): the limit is raised for
#: this many levels, in the main thread only, whose stack size is known.
MAX_C_DEPTH = 1_000
_FLAT_CALLS = sys.version_info >= (3, 11)

#: How many objects up a child is compared with, one by one; longer cycles are
#: caught by the checkpoints (see Link.mark).
_WINDOW = 32
#: The recursion limit is checked every this many levels, with room for as many
#: more at up to _FRAMES_PER_LEVEL frames each (about 5 are used).
_STEP = 16
_FRAMES_PER_LEVEL = 60


class Link:
    """An object being made, while it makes a child through ``key``."""

    __slots__ = (
        "child",
        "cls",
        "depth",
        "frames",
        "joined",
        "key",
        "mark",
        "overrides",
        "parent",
        "raised",
        "root",
        "run",
        "schema",
        "sure",
        "traits",
    )

    def __init__(
        self,
        factory: Factory[Any],
        plan: Plan,
        overrides: Mapping[str, Any] | None,
        key: str,
        sure: bool,
        child: Maker,
        parent: Link | None,
    ) -> None:
        self.cls = type(factory)
        self.schema = plan.schema
        #: None for an uncached schema or trait, which may differ each time: such an
        #: object is never taken for another.
        self.traits = plan.traits if plan.cached else None
        self.overrides = overrides
        self.key = key
        #: Whether the field at ``key`` always makes its child, and the factory that
        #: makes it.
        self.sure = sure
        self.child = child
        self.parent = parent
        #: Whether the parent's field surely made this object: not a lazy function or
        #: a hook that called a factory of its own, which may decide to stop.
        self.joined = parent is not None and parent.sure and parent.child is factory
        self.depth: int = 0 if parent is None else parent.depth + 1
        self.root: Link = self if parent is None else parent.root
        #: How many objects since the last field that may not make its child: a
        #: cycle needs every step of it to be sure.
        self.run: int = parent.run + 1 if parent is not None and self.joined else 0
        #: A checkpoint up the chain, moved at every power of two of ``run``: a cycle
        #: longer than the window still meets it within a few of its lengths.
        if self.run & (self.run - 1) == 0:
            self.mark: Link = self
        else:
            assert parent is not None
            self.mark = parent.mark
        #: Whether this chain raised the recursion limit, and the frames below its
        #: first level (both kept on its root).
        self.raised = False
        self.frames: int | None = None

    def same_as(self, cls: type[Any], plan: Plan, overrides: Mapping[str, Any]) -> bool:
        """Whether the object this link stands for is made as a call would make another."""
        return (
            self.cls is cls
            and self.traits is not None
            and plan.cached
            and self.schema == plan.schema
            and self.traits == plan.traits
            and _same_overrides(self.overrides or {}, overrides)
        )

    def where(self) -> str:
        return f"{self.cls.__name__}.{self.schema}"


_chain: ContextVar[Link | None] = ContextVar("pyfactory_chain", default=None)


def _shaping(value: Any) -> bool:
    return isinstance(value, SpecialField) or holds_special(value)


def _same_overrides(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    """Whether two calls' overrides shape the objects below alike: the same keys, and the
    same special fields where they give special fields (a plain value is a plain value:
    ``manager=None`` and ``manager=some_user`` both stop ``manager``)."""
    if a.keys() != b.keys():
        return False
    for key, value in a.items():
        other = b[key]
        if value is other:
            continue
        if _shaping(value) or _shaping(other):
            return False
    return True


def always_makes(here: Any, field: SpecialField[Any]) -> bool:
    """Whether the value ``here`` at a key makes ``field``'s child every time: the field
    itself, or a field that always reads it; not one behind a random or lazy choice."""
    if isinstance(field, ManyField) and isinstance(field.count, tuple) and field.count[0] == 0:
        return False
    if here is field:
        return True
    if isinstance(here, DerivedField):
        return here.association is field
    if isinstance(here, TransientField):
        return here.default is field
    if isinstance(here, NestedField):
        return _holds_item(here.value, field)
    return False


def _holds_item(value: Any, field: object) -> bool:
    kind = type(value)
    if kind is list or kind is tuple:
        return any(v is field or _holds_item(v, field) for v in value)
    if kind is dict:
        return any(v is field or _holds_item(v, field) for v in value.values())
    return False


def enter(
    factory: Factory[Any],
    plan: Plan,
    overrides: Mapping[str, Any] | None,
    key: str,
    sure: bool,
    child: Maker,
    schema: str | None,
    traits: tuple[str, ...],
    child_overrides: dict[str, Any],
    is_async: bool = False,
) -> Token[Link | None]:
    """Record that the object of ``factory`` and ``plan`` makes a child through ``key`` with
    ``child.<method>(schema, *traits, **child_overrides)``; refuse it if it closes a cycle
    or nests too deep. Pair with :func:`leave`."""
    parent = _chain.get()
    link = Link(factory, plan, overrides, key, sure, child, parent)
    # Only a sure step can close a cycle, and only one back to an object of the child's
    # class: most steps need no look up the chain.
    if sure and (link.joined or link.cls is type(child)):
        check(link, child, schema, traits, child_overrides)
    depth = link.depth
    if depth and depth % _STEP == 0:
        _make_room(link, is_async)
    return _chain.set(link)


def leave(token: Token[Link | None]) -> None:
    link = _chain.get()
    _chain.reset(token)
    if link is not None and link.depth == 0 and link.raised:
        _give_back()


def check(
    link: Link,
    child: Maker,
    schema: str | None,
    traits: tuple[str, ...],
    overrides: dict[str, Any],
) -> None:
    """Raise :class:`CyclicDependencyError` when the child about to be made through
    ``link`` would be made exactly as ``link``'s object or one above it was."""
    cls = type(child)
    plan: Plan | None = None
    up: Link | None = link
    steps = 0
    found: Link | None = None
    while up is not None and steps < _WINDOW:
        if up.cls is cls:
            if plan is None:
                plan, overrides = child._pf_plan(schema, traits, overrides)
            if up.same_as(cls, plan, overrides):
                found = up
                break
        if not up.joined:
            return
        up = up.parent
        steps += 1
    if found is None:
        mark = link.mark
        if mark.cls is not cls or mark.depth >= link.depth - _WINDOW:
            return
        if plan is None:
            plan, overrides = child._pf_plan(schema, traits, overrides)
        if not mark.same_as(cls, plan, overrides):
            return
        found = mark
    raise _cycle(link, found)


def _cycle(link: Link, found: Link) -> CyclicDependencyError:
    """The error for a child of ``link`` that would be made as ``found``'s object was."""
    chain = [link]
    while chain[-1] is not found:
        parent = chain[-1].parent
        assert parent is not None
        chain.append(parent)
    chain.reverse()
    # The cycle as the path reads it, the repeated object first and last.
    cycle = [part for step in chain for part in (step.where(), step.key)]
    cycle.append(found.where())
    what = f"{found.where()} makes itself again"
    if len(chain) > 1:
        hops = [f"{step.key} ({chain[i + 1].where()})" for i, step in enumerate(chain[:-1])]
        hops.append(link.key)
        if len(hops) > 6:
            hops[2:-2] = [f"… {len(hops) - 4} more …"]
        what = f"{what} through {' → '.join(hops)}"
    keys = []
    up: Link | None = link
    while up is not None:
        keys.append(up.key)
        up = up.parent
    if len(keys) <= 4:
        stop = f"stop it with {'__'.join(reversed(keys))}=None"
    else:
        # A dunder key that long helps nobody: name the field to change instead.
        stop = f"stop it at {link.where()} → {link.key} with None"
    reason = f"association cycle: {what}; {stop}, a trait, or randomly_nullify"
    return CyclicDependencyError("associations", cycle, reason=reason)


# ------------------------------------------------------------------ depth


_lock = threading.Lock()
#: The recursion limit before any chain raised it, and how many chains need it raised.
_original: int | None = None
_users = 0


def _frames() -> int:
    frame: FrameType | None = sys._getframe()
    count = 0
    while frame is not None:
        count += 1
        frame = frame.f_back
    return count


def _make_room(link: Link, is_async: bool) -> None:
    """Raise the recursion limit ahead of the chain, or refuse a chain too deep."""
    global _original, _users
    flat = _FLAT_CALLS and not is_async
    cap = MAX_DEPTH if flat else MAX_C_DEPTH
    if link.depth >= cap:
        raise CyclicDependencyError(
            "associations",
            (),
            reason=(
                f"associations nest more than {cap:,} objects deep"
                + ("" if flat else " under acreate" if is_async else " on Python 3.10")
                + f" (at {link.where()} → {link.key}); if this is a cycle whose stop "
                "never comes (randomly_nullify with a small p), stop it sooner"
            ),
        )
    if not flat and threading.current_thread() is not threading.main_thread():
        # Another thread's stack size is unknown: keep the interpreter's limit.
        return
    root = link.root
    if root.frames is None:
        # Counting frames walks the whole stack: do it once per chain, then count on
        # a generous number of frames per level.
        root.frames = _frames() - link.depth * _FRAMES_PER_LEVEL
    needed = root.frames + (link.depth + _STEP) * _FRAMES_PER_LEVEL
    with _lock:
        limit = sys.getrecursionlimit()
        if limit >= needed:
            return
        if not link.root.raised:
            link.root.raised = True
            if _users == 0:
                _original = limit
            _users += 1
        sys.setrecursionlimit(needed)


def _give_back() -> None:
    """Put the recursion limit back once no chain needs it raised."""
    global _original, _users
    with _lock:
        _users -= 1
        if _users == 0 and _original is not None:
            sys.setrecursionlimit(_original)
            _original = None
