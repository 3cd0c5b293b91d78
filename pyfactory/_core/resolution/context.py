"""What a special field sees while it resolves: :class:`FieldContext` (``ctx``), the
lazy view of the other attributes (:class:`Attrs`), where the object stands
(:class:`Seat`: its place in a batch and the key of its random stream), and the fields
whose rows are made once the object exists (:class:`Later`).

:class:`~pyfactory._core.resolution.resolver.Resolution` implements the context.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any, NamedTuple

from pyfactory._stream import Draws, subkey
from pyfactory.fields import ManyField

if TYPE_CHECKING:
    from random import Random

    from faker import Faker

    from pyfactory._context import Context
    from pyfactory._core.resolution.resolver import Resolution
    from pyfactory._factory import Factory
    from pyfactory.builders import Relation
    from pyfactory.fields import AssociationField, SpecialField

__all__ = ["Attrs", "FieldContext", "Later", "Seat"]


class Seat(NamedTuple):
    """Where an object stands: what its fields' random streams and ``ctx.index`` come
    from (see :mod:`pyfactory._stream`)."""

    #: ``ctx.index``: the object's place in its batch, or in its many() list.
    place: int
    #: The object's number among those its factory instance made of its schema; its
    #: stream's key, for a seeded factory, unless ``root`` is given.
    number: int
    #: The key of the object's stream, when it is known; None: from ``parent``, else
    #: from ``number`` (seeded) or random (unseeded), when a field first needs it.
    root: int | None = None
    #: For a child: the resolution of its parent, the parent's field making it and that
    #: field's inner path. The child's key derives from that field's, so it moves with
    #: nothing else; it is computed only if the child draws anything.
    parent: tuple[Resolution, str, tuple[str | int, ...]] | None = None
    #: The values of the plan's fake() fields, made a column at a time for a batch:
    #: only the other special fields are left to resolve.
    filled: dict[str, Any] | None = None
    #: ``ctx.row``: in a dataset, the index of the row the object belongs to.
    row: int | None = None
    #: For a row made after its parent exists (a later field's): the parent's finished
    #: values, which ``ctx.parent`` reads (see :func:`pyfactory.parent`).
    above: Mapping[str, Any] | None = None


class Attrs(Mapping[str, Any]):
    """The read-only view of an object's attributes given to lazy functions.

    Reading a key resolves that field first if it is still special.
    """

    __slots__ = ("_resolution",)

    def __init__(self, resolution: Resolution) -> None:
        self._resolution = resolution

    def __getitem__(self, key: str) -> Any:
        resolution = self._resolution
        # Outside acreate, a key being resolved (or in a cycle) is still pending.
        if key in resolution.pending or resolution.is_async or resolution.batch is not None:
            return resolution.value_of(key)
        return resolution.values[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._resolution.values)

    def __len__(self) -> int:
        return len(self._resolution.values)

    def __contains__(self, key: object) -> bool:
        return key in self._resolution.values

    def __repr__(self) -> str:
        return f"<attributes of {self._resolution.plan.where()}: {sorted(self)}>"


class FieldContext:
    """What a special field sees while it resolves one object's value.

    Attributes:
        key: The key being resolved.
        scope: ``"attributes"``, ``"build"`` or ``"create"``: the method being called.
        is_async: Whether the object is being made by ``acreate`` or ``acreate_batch``.
        factory: The factory instance making the object.
        index: The object's place in its batch (``0`` for its first object), or in the
            list a :func:`~pyfactory.many` field makes; for a single call, the number
            of objects the factory instance made of the schema before it.
        row: In a dataset (:func:`pyfactory.dataset.generate`), the index of the row
            the object belongs to, for the row and its children alike; ``None``
            elsewhere. Sequences count from it.

    Do not keep a context after ``resolve`` returns: it is the live state of
    one object's resolution.

    .. versionadded:: 0.1
    """

    __slots__ = ()

    key: str
    scope: str
    is_async: bool
    factory: Factory[Any]
    index: int
    row: int | None = None

    @property
    def attrs(self) -> Attrs:
        """The object's attributes; reading one resolves it first."""
        raise NotImplementedError

    @property
    def parent(self) -> Mapping[str, Any] | None:
        """The attributes of the object whose association or :func:`~pyfactory.many`
        field is making this one (reading a key resolves it first, as ``attrs`` does);
        ``None`` for an object made on its own. :func:`~pyfactory.parent` reads it.

        .. versionadded:: 1.1
        """
        raise NotImplementedError

    @property
    def faker(self) -> Faker:
        """The factory's Faker. When the factory has a seed, it is seeded for this value
        (from :meth:`stream_key`), so what it gives depends on nothing else."""
        raise NotImplementedError

    @property
    def random(self) -> Random:
        """This value's random stream (a :class:`random.Random`): the same draws for the
        same seed, factory, schema, field and object, whatever else is made. Inside a
        Hypothesis strategy, the strategy's draws (see :doc:`hypothesis`)."""
        drawn = self.factory._pf_randomness.drawn
        return drawn if drawn is not None else Draws(self.stream_key())

    def stream_key(self) -> int:
        """The 64-bit key this value's random draws come from (see :mod:`pyfactory._stream`)."""
        raise NotImplementedError

    @property
    def context(self) -> Context:
        """The factory's context."""
        return self.factory.context

    @property
    def overrides(self) -> dict[str, Any]:
        """The ``key__field=value`` overrides meant for this field, as ``{field: value}``."""
        raise NotImplementedError

    def resolve_inner(self, field: SpecialField[Any], part: str | int = 0) -> Any:
        """Resolve a field held by this one (a default, a kept value) in the same mode;
        ``part`` names it among the fields this one holds, for its own random stream."""
        raise NotImplementedError

    def draw(self) -> float:
        """A random float in [0, 1) of this value's own, the same every time it is asked
        for (under ``acreate`` a field may run again, when it read a value still being
        awaited, and it then gets the same draw)."""
        raise NotImplementedError


class Later:
    """An association or many field whose rows are made after the object exists."""

    __slots__ = ("extra", "field", "key", "made_with", "relation", "stream")

    def __init__(
        self,
        key: str,
        field: AssociationField | ManyField,
        relation: Relation,
        extra: dict[str, Any],
        made_with: Mapping[str, Any] | None = None,
        stream: int = 0,
    ) -> None:
        self.key = key
        self.field = field
        self.relation = relation
        #: The caller's ``key__field`` overrides for these rows.
        self.extra = extra
        #: The overrides the object itself was made with, to tell a cycle.
        self.made_with = made_with
        #: The field's stream key: a many() count draws from it, and the i-th row's
        #: stream derives from it, as when the rows are made with the object.
        self.stream = stream

    def seat(self, index: int, values: Mapping[str, Any] | None = None) -> Seat:
        """Where the ``index``-th row of this field stands; ``values``: the finished
        values of the object the rows belong to."""
        return Seat(index, index, subkey(self.stream, index), None, None, None, values)

    def size(self) -> int:
        """How many rows this field makes: a many() count drawn from its own stream."""
        field = self.field
        return field.size_from(Draws(self.stream)) if isinstance(field, ManyField) else 1
