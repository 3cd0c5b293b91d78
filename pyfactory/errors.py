"""Every error pyfactory raises, with the path to where it happened.

All of them derive from :class:`FactoryError`. An error raised while a child
factory makes an associated object travels up through each parent, and each
parent adds its own step to the error's path, so the message reads from the
factory you called down to the field that failed::

    UserFactory.basic → profile (ProfileFactory.basic) → avatar: lazy field raised KeyError('size')

The original exception is kept as ``__cause__``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

import attrs

__all__ = [
    "AsyncModeError",
    "BuilderError",
    "ConstraintError",
    "CyclicDependencyError",
    "FactoryDefinitionError",
    "FactoryError",
    "FieldError",
    "GraphError",
    "HookError",
    "MissingContextError",
    "OverrideError",
    "SchemaError",
    "Step",
    "UnknownSchemaError",
    "UnknownTraitError",
    "UsageError",
]


@attrs.frozen
class Step:
    """One step of an error's path: a factory, the schema it was making, and a field.

    Attributes:
        factory: The factory class's name, such as ``"UserFactory"``.
        schema: The schema being made, such as ``"basic"``.
        field: The field being resolved, or ``None`` when the error is not about one field.
    """

    factory: str
    schema: str
    field: str | None = None


#: A rendered path longer than this many parts shows only its ends (all its steps stay
#: in :attr:`FactoryError.steps`): a deep chain of associations stays readable.
LONGEST_PATH = 16
_PATH_ENDS = 6


def render_path(steps: Iterable[Step]) -> str:
    """Render steps as ``UserFactory.basic → profile (ProfileFactory.basic) → avatar``;
    a path of more than :data:`LONGEST_PATH` parts keeps its first and last few, with
    ``… N more …`` between them."""
    parts: list[str] = []
    for step in steps:
        where = f"{step.factory}.{step.schema}"
        if parts:
            # The previous step's field is the association that led here.
            parts[-1] = f"{parts[-1]} ({where})"
        else:
            parts.append(where)
        if step.field is not None:
            parts.append(step.field)
    if len(parts) > LONGEST_PATH:
        hidden = len(parts) - 2 * _PATH_ENDS
        parts[_PATH_ENDS:-_PATH_ENDS] = [f"… {hidden} more …"]
    return " → ".join(parts)


class FactoryError(Exception):
    """The base of every pyfactory error.

    Attributes:
        reason: What went wrong, without the path.
        steps: The path from the outermost factory call to where it happened.

    .. versionadded:: 0.1
    """

    def __init__(self, reason: str, *, steps: Iterable[Step] = ()) -> None:
        super().__init__(reason)
        self.reason = reason
        self.steps: tuple[Step, ...] = tuple(steps)

    def within(self, factory: str, schema: str, field: str | None = None) -> FactoryError:
        """Add an outer step to the path and return the same error, for re-raising."""
        self.steps = (Step(factory, schema, field), *self.steps)
        return self

    @property
    def path(self) -> str:
        """The rendered path, or ``""`` when the error happened outside any factory call."""
        return render_path(self.steps)

    @property
    def factory(self) -> str | None:
        """The name of the innermost factory on the path."""
        return self.steps[-1].factory if self.steps else None

    @property
    def schema(self) -> str | None:
        """The innermost schema on the path."""
        return self.steps[-1].schema if self.steps else None

    @property
    def field(self) -> str | None:
        """The innermost field on the path, if the error is about one field."""
        return self.steps[-1].field if self.steps else None

    def __str__(self) -> str:
        path = self.path
        return f"{path}: {self.reason}" if path else self.reason

    def __reduce__(self) -> tuple[Any, ...]:
        # Pickling (pytest-xdist sends errors between processes) must keep the path.
        state = {k: v for k, v in self.__dict__.items() if not k.startswith("_pf_")}
        return (_rebuild, (type(self), self.reason, self.steps, state))


def _rebuild(
    cls: type[FactoryError], reason: str, steps: tuple[Step, ...], state: dict[str, Any]
) -> FactoryError:
    error = cls.__new__(cls)
    Exception.__init__(error, reason)
    error.__dict__.update(state)
    error.steps = steps
    return error


class FactoryDefinitionError(FactoryError, TypeError):
    """A factory class, or a special field, is defined in a way that cannot work.

    Raised when the class statement runs (a name that clashes with the API, no
    ``_model``, a schema and a trait of one name) or when a special field is
    given arguments it cannot use.
    """


class _UnknownName:
    """The message of a name that the factory does not define, with the names it does."""

    kind = "name"

    def __init__(self, factory: str, name: str, available: Iterable[str]) -> None:
        self.name = name
        self.available = tuple(sorted(available))
        have = ", ".join(self.available) or "none"
        message = f"{factory} has no {self.kind} {name!r}; its {self.kind}s are: {have}"
        super().__init__(message)  # type: ignore[call-arg]


class UnknownSchemaError(_UnknownName, FactoryError, LookupError):
    """A schema name that the factory does not define.

    Attributes:
        name: The name asked for.
        available: The schema names the factory does have.
    """

    kind = "schema"


class UnknownTraitError(_UnknownName, FactoryError, LookupError):
    """A trait name that the factory does not define.

    Attributes:
        name: The name asked for.
        available: The trait names the factory does have.
    """

    kind = "trait"


class UsageError(FactoryError, TypeError):
    """A factory method was called with arguments it cannot take: a count that is not a
    non-negative int, or too large for memory; no schema name where the factory has no
    default."""


class OverrideError(FactoryError, TypeError):
    """An override that cannot be applied: a dunder key with no association at its
    head, or a trait flag given something other than ``True`` or ``False``."""


class SchemaError(FactoryError, TypeError):
    """A schema or trait method returned something other than a dict with string keys."""


class CyclicDependencyError(FactoryError):
    """Schemas or lazy fields that depend on themselves, traits that switch each other
    on, or associations that would make the same object again and again.

    Attributes:
        cycle: The names along the cycle, the first repeated at the end.
    """

    def __init__(self, what: str, cycle: Iterable[str], *, reason: str | None = None) -> None:
        self.cycle = tuple(cycle)
        super().__init__(reason or f"{what} form a cycle: {' → '.join(self.cycle)}")


class FieldError(FactoryError):
    """A special field raised while it was being resolved; the original is the cause."""


class BuilderError(FactoryError):
    """The model builder raised while making the object; the original is the cause.

    Attributes:
        attributes: The finished attributes that the builder was given (for a batch,
            the failing row's, or the first row's when the builder cannot tell).
        rows: Every row of a batch that the builder was given; ``[attributes]`` for one object.
        index: The position in ``rows`` of the row that failed, when the builder can
            tell (the SQLAlchemy builders can); ``None`` otherwise.
        first: Where ``rows`` start among the rows of the call that failed, so that
            ``first + index`` is the failing row's place in a batch: a batch writes
            in chunks, and a :class:`~pyfactory.builders.RowStream`'s failure may
            concern the rows of an earlier chunk. 0 for one object.

    .. versionchanged:: 1.1
       ``first``.
    """

    def __init__(
        self,
        reason: str,
        *,
        attributes: Mapping[str, Any],
        rows: Iterable[Mapping[str, Any]] | None = None,
        steps: Iterable[Step] = (),
        index: int | None = None,
        first: int = 0,
    ) -> None:
        super().__init__(reason, steps=steps)
        self.attributes = dict(attributes)
        self.rows = [dict(r) for r in rows] if rows is not None else [self.attributes]
        self.index = index
        self.first = first


class ConstraintError(FactoryError, ValueError):
    """The auto-filled fields of a row failed its checks on every draw.

    The message names the model, the fields drawn, the check that refused the last
    draw (a pydantic validator, a dataclass's ``__post_init__``, a CHECK constraint)
    and the last values tried; the path names the factory and the schema.

    .. versionadded:: 1.1
    """


class HookError(FactoryError):
    """An ``@after`` hook raised; the original is the cause."""


#: ``hint(key, owner)``: more advice for MissingContextError; see set_missing_context_hint().
_missing_context_hint: Callable[[str, str], str | None] | None = None


def set_missing_context_hint(
    hint: Callable[[str, str], str | None] | None,
) -> Callable[[str, str], str | None] | None:
    """Add ``hint(key, owner)``, when it returns text, to the message of every
    :class:`MissingContextError` raised from now on; ``None`` adds nothing again.

    For a tool that makes factories for its users and knows how they give the
    context: the pytest plugin sets one while a test that uses the fixtures of
    ``register()`` runs, which says to override the ``pyfactory_context`` fixture.
    Returns the hint it replaces, to put back.

    .. versionadded:: 1.0
    """
    global _missing_context_hint
    previous, _missing_context_hint = _missing_context_hint, hint
    return previous


class MissingContextError(FactoryError, KeyError):
    """A builder or field needs a context key that the factory was not given.

    Attributes:
        key: The missing key.
    """

    def __init__(self, key: str, owner: str) -> None:
        self.key = key
        message = (
            f"{owner} needs {key!r} in its context; pass it when making the factory: "
            f"{owner}({key}=...)"
        )
        hint = _missing_context_hint(key, owner) if _missing_context_hint else None
        super().__init__(f"{message}. {hint}" if hint else message)

    def __str__(self) -> str:
        # KeyError quotes its argument; the message reads better as plain text.
        return FactoryError.__str__(self)


class AsyncModeError(FactoryError):
    """A coroutine met a synchronous call, or the other way round; the message says
    which method to call instead."""


class GraphError(FactoryError):
    """An object graph that cannot be defined or made: a node or argument it does not
    have, a malformed link, a name given twice, refs that form a cycle, or a node
    whose factory failed (that error is the cause, and its path follows the node's).

    Attributes:
        available: The names the graph has where one was asked for that it does not
            (nodes, or the names of the objects a call made); empty otherwise.

    .. versionadded:: 0.1
    """

    def __init__(
        self, reason: str, *, available: Iterable[str] = (), steps: Iterable[Step] = ()
    ) -> None:
        super().__init__(reason, steps=steps)
        self.available = tuple(available)
