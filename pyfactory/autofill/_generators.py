"""The classes of the built-in generators: :class:`TypeGenerator` (the values of
:data:`~pyfactory.autofill.TYPE_GENERATORS`) and :class:`NameGenerator` (those of
:data:`~pyfactory.autofill.NAME_GENERATORS`), compiled once per field and
callable on their own.

Layer: the bottom of the generator modules, above ``_common``; the rule modules
(``_text``, ``_numbers``, ...), the tables (``_types``, ``_names``, ``_formats``) and
the compiler import it, and it imports none of them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar

from pyfactory.autofill._common import Generator, _draw_pick

if TYPE_CHECKING:
    from faker import Faker

    from pyfactory.autofill._compiler import _Compiler
    from pyfactory.autofill._spec import _Spec
    from pyfactory.introspect import FieldInfo


class _BuiltinGenerator:
    """A generator pyfactory ships: compiled once per field by :func:`resolve_generator`,
    and callable on its own as a :data:`Generator` too (compiling on every call)."""

    __slots__ = ("label",)

    #: Compiles ``field`` for a generator called on its own, as a factory without
    #: mappings would. :mod:`pyfactory.autofill._compiler` sets it when it loads: the
    #: compiler sits above this module (it reads the tables of generators made from
    #: these classes), and ``pyfactory.autofill`` loads it before a generator can be
    #: reached.
    _compile_alone: ClassVar[Callable[[_BuiltinGenerator, FieldInfo], Generator]]

    def __init__(self, label: str) -> None:
        self.label = label

    def compile(self, compiler: _Compiler, spec: _Spec, window: Any = None) -> Generator | None:
        raise NotImplementedError

    def _fallback(self, compiler: _Compiler, spec: _Spec) -> Generator:
        """What a name generator gives for a field of a type it cannot make."""
        raise NotImplementedError

    def __call__(self, faker: Faker, field: FieldInfo) -> Any:
        if field.choices:
            return _draw_pick(faker, tuple(field.choices))
        # Looked up on the class: on an instance, mypy would bind the callable to it.
        return _BuiltinGenerator._compile_alone(self, field)(faker, field)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.label}>"


class TypeGenerator(_BuiltinGenerator):
    """A built-in generator for the values of one type, honouring the field's constraints.

    The values of :data:`TYPE_GENERATORS`. Each is a :data:`Generator` and may be
    reused in ``_type_mappings`` for a type of your own
    (``{Username: TYPE_GENERATORS[str]}``).

    .. versionadded:: 0.1
    """

    __slots__ = ("_build",)

    def __init__(self, label: str, build: Callable[[_Compiler, _Spec, Any], Generator]) -> None:
        super().__init__(label)
        self._build = build

    def compile(self, compiler: _Compiler, spec: _Spec, window: Any = None) -> Generator:
        return self._build(compiler, spec, window)


class NameGenerator(_BuiltinGenerator):
    """A built-in generator for fields of a given name, when it can make the field's type.

    The values of :data:`NAME_GENERATORS`. Each is a :data:`Generator` and may be
    reused in ``_name_mappings`` (``{"contact": NAME_GENERATORS["email"]}``);
    called on a field of a type it cannot make, it gives its natural value.

    .. versionadded:: 0.1
    """

    __slots__ = ()
