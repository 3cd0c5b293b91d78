"""What every part of auto-fill shares: the :data:`Generator` type, the
:class:`NestedModel` marker, the internal errors that the compiler turns into
messages, the Faker's random stream and small generator combinators.
"""

from __future__ import annotations

import enum
import string
import types
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Final, TypeAlias, TypeVar, Union

import attrs

from pyfactory.providers import KeyedFaker

if TYPE_CHECKING:
    from random import Random

    from faker import Faker

    from pyfactory.introspect import FieldInfo


#: A value maker for one field: called with the factory's Faker and the field's
#: information, it returns the value. Draw randomness only from the Faker
#: (``faker.random`` or its providers) so that one seed gives the same values. An
#: auto-filled field calls it with a :class:`~pyfactory.providers.KeyedFaker`, a
#: stand-in whose providers are the fast ones, drawn from the value's own key.
Generator: TypeAlias = Callable[["Faker", "FieldInfo"], Any]


@attrs.frozen
class NestedModel:
    """The value generated for a field that holds another model: the resolver makes it.

    Auto-filling never makes objects itself; a field typed with a dataclass, an
    attrs class, a pydantic model (and the like), or a many-to-one relation,
    gets this marker, also inside lists, tuples and dicts, and the resolver turns
    each marker into an association with a factory for ``model``.

    Attributes:
        model: The model class to make.
        nullable: Whether the field also accepts ``None`` (so a resolver can stop
            a model that refers to itself).

    .. versionadded:: 0.1
    """

    model: Any
    nullable: bool = False


class _Missing(enum.Enum):
    MISSING = enum.auto()


_MISSING: Final = _Missing.MISSING
_NONE_TYPE = type(None)
_UNION_ORIGINS: tuple[Any, ...] = (Union, types.UnionType)
_LETTERS = string.ascii_lowercase
_TWO_TO_64 = 1 << 64
T = TypeVar("T")


class _Unsupported(Exception):
    """No generator for a type; ``type`` is the innermost one to map."""

    def __init__(self, tp: Any) -> None:
        super().__init__(tp)
        self.type = tp


class _Impossible(Exception):
    """The field's constraints cannot be met by a built-in generator."""


class _LeaveAlone(Exception):
    """A user mapping of ``None`` for the field's type, or an element's."""


def _rng(faker: Faker) -> Random:
    """The Faker's random stream."""
    try:
        rng: Random = faker.random
    except NotImplementedError:
        # A Faker of several locales has one stream per locale and none shared.
        rng = faker[faker.locales[0]].random
    return rng


# The draws of the rules. A KeyedFaker (what auto-filled fields hand their generators)
# draws them from its value's key in one step, the same numbers its ``random`` would
# give (``randint(lo, hi)`` is ``lo + below(hi - lo + 1)``), without making a
# ``random.Random`` per value; any other Faker draws from its own stream, as before.


def _draw_below(faker: Faker | KeyedFaker, n: int) -> int:
    """``faker.random.randrange(n)``."""
    if isinstance(faker, KeyedFaker):
        return faker.below(n)
    return _rng(faker).randrange(n)


def _draw_int(faker: Faker | KeyedFaker, lo: int, hi: int) -> int:
    """``faker.random.randint(lo, hi)``."""
    if isinstance(faker, KeyedFaker):
        return lo + faker.below(hi - lo + 1)
    return _rng(faker).randint(lo, hi)


def _draw_float(faker: Faker | KeyedFaker) -> float:
    """``faker.random.random()``."""
    if isinstance(faker, KeyedFaker):
        return faker.fraction()
    return _rng(faker).random()


def _draw_pick(faker: Faker | KeyedFaker, values: Sequence[T]) -> T:
    """``faker.random.choice(values)``."""
    if isinstance(faker, KeyedFaker):
        return values[faker.below(len(values))]
    return _rng(faker).choice(values)


def _draw_bits(faker: Faker | KeyedFaker, k: int) -> int:
    """``faker.random.getrandbits(k)``."""
    if isinstance(faker, KeyedFaker):
        # As Draws.getrandbits: 64 bits a draw, the first ones highest.
        value = filled = 0
        while filled < k:
            value = (value << 64) | faker.below(_TWO_TO_64)
            filled += 64
        return value >> (filled - k)
    return _rng(faker).getrandbits(k)


def _as_json(gen: Generator) -> Generator:
    """The JSON text of each value, for a field of pydantic's ``Json[...]``."""
    from pydantic_core import to_json

    def as_json(faker: Faker, field: FieldInfo) -> Any:
        value = gen(faker, field)
        return value if value is None else to_json(value).decode()

    return as_json


def _constant(value: Any) -> Generator:
    def constant(faker: Faker, field: FieldInfo) -> Any:
        return value

    return constant


def _choice(values: Sequence[Any]) -> Generator:
    values = tuple(values)
    if len(values) == 1:
        return _constant(values[0])

    def choice(faker: Faker, field: FieldInfo) -> Any:
        return _draw_pick(faker, values)

    return choice


def _convert(gen: Generator, convert: Callable[[Any], Any]) -> Generator:
    def converted(faker: Faker, field: FieldInfo) -> Any:
        return convert(gen(faker, field))

    return converted
