"""Compiling a Faker method into a :class:`FastProvider`: :func:`fast_provider`.

A method is compiled from the provider instance Faker itself would call, with that
instance's data (its ``formats``, ``first_names``, ``word_list``, ...). Which code runs
is decided by the function Faker would run: each Faker function that pyfactory knows
has a compiler, registered with :func:`compiles` under its module and name (a locale
that overrides a method with code of its own gets no fast path unless that code is
known too). Functions of a few common shapes -- ``return
self.random_element(self.cities)``, a ``random_element`` of formats then
``self.generator.parse``, ``numerify``/``bothify`` of an element -- are recognized from
their source by :mod:`pyfactory.providers._recognize`, which covers most locales'
overrides without a compiler each.

Anything not understood -- a method of a provider that is not Faker's own, an argument
no compiler supports, a ``{{token}}`` that does not compile -- makes the whole provider
``None``, and the core keeps calling Faker for it.
"""

from __future__ import annotations

import inspect
import re
import string
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from typing import Any

from pyfactory._stream import GAMMA, MASK
from pyfactory._stream import MIX_1 as _C1
from pyfactory._stream import MIX_2 as _C2
from pyfactory.providers._column import BLOCK, column, first_draws, mixed_lanes
from pyfactory.providers._gen import Choice, Const, Gen, OneOf, choice, template
from pyfactory.providers._pattern import PLACEHOLDERS, pattern

__all__ = ["Call", "FastProvider", "Session", "compiles", "fast_provider"]

#: ``compiler(call) -> Gen | None``: how one Faker function is compiled.
Compiler = Callable[["Call"], "Gen | None"]

_COMPILERS: dict[tuple[str, str], Compiler] = {}

#: Faker's own token syntax (``faker.generator._re_token``): ``{{ name }}`` or
#: ``{{name:argument_group}}``.
_TOKEN = re.compile(r"\{\{\s*(\w+)(:\s*\w+?)?\s*\}\}")


def compiles(module: str, *names: str, owner: str = "Provider") -> Callable[[Compiler], Compiler]:
    """Register a compiler for ``<owner>.<name>`` of the Faker module ``module`` (such
    as ``"faker.providers.person"``), for each name."""

    def register(compiler: Compiler) -> Compiler:
        for name in names:
            _COMPILERS[(module, f"{owner}.{name}")] = compiler
        return compiler

    return register


class FastProvider:
    """A Faker provider compiled to make one value from a 64-bit key.

    ``fn(key)`` is one value; the same key gives the same value, in every process.
    ``fn.many(keys)`` is ``[fn(k) for k in keys]``, made a column at a time: two to
    five times faster per value for a batch.

    Attributes:
        name: The Faker method's name, such as ``"email"``.
        gen: The compiled form (:class:`~pyfactory.providers._gen.Gen`).

    .. versionadded:: 1.0
    """

    __slots__ = ("_draw", "_uniform", "gen", "name")

    def __init__(
        self, name: str, gen: Gen, uniform: Callable[[], FastProvider | None] | None = None
    ) -> None:
        self.name = name
        self.gen = gen
        self._draw = gen.draw
        self._uniform = uniform

    def __call__(self, key: int) -> Any:
        # SplitMix64's first draw of the key (pyfactory._stream.mix(key + GAMMA)), inline:
        # a call would cost a fifth of a cheap value.
        z = (key + GAMMA) & MASK
        z = ((z ^ (z >> 30)) * _C1) & MASK
        z = ((z ^ (z >> 27)) * _C2) & MASK
        return self._draw(z ^ (z >> 31))

    def many(self, keys: Iterable[int]) -> list[Any]:
        """One value per key, as ``[fn(k) for k in keys]``, made a column at a time
        (:mod:`~pyfactory.providers._column`)."""
        keys = keys if isinstance(keys, list) else list(keys)
        out: list[Any] = []
        gen = self.gen
        for start in range(0, len(keys), BLOCK):
            block = keys[start : start + BLOCK]
            try:
                bits = mixed_lanes(block)
            except (OverflowError, TypeError):  # not 64-bit unsigned keys
                out.extend(map(self, block))
                continue
            out.extend(column(gen, bits, len(block)))
        return out

    def many_lanes(self, keys: int, n: int) -> list[Any]:
        """:meth:`many` of ``n`` (up to :data:`~pyfactory.providers._column.BLOCK`) keys
        packed in lanes (:func:`~pyfactory.providers._column.value_key_lanes`): a batch's
        keys are made packed, and used so, with no list of them made and packed again."""
        return column(self.gen, first_draws(keys, n), n)

    def draw(self, bits: int) -> Any:
        """The value of 64 random ``bits`` (already mixed; ``fn(key)`` is
        ``fn.draw(mix(key + GAMMA))``)."""
        return self._draw(bits)

    def uniform(self) -> FastProvider | None:
        """The same provider with every weighted pick made uniform (Faker's
        ``use_weighting=False``), or None when it has no weighted pick: unique draws use
        it to reach the rare values of a skewed space."""
        if self._uniform is None or not self.gen.weighted:
            return None
        return self._uniform()

    def __repr__(self) -> str:
        return f"<FastProvider {self.name}>"


class Call:
    """One Faker method being compiled: the provider instance that owns it, the
    arguments of the call, and the session, with helpers that compile what the
    method's body does.

    Attributes:
        provider: The Faker provider instance whose method it is.
        function: The function Faker would run (as found on the class).
        args: The call's positional arguments.
        kwargs: The call's keyword arguments.
    """

    __slots__ = ("args", "function", "kwargs", "provider", "session")

    def __init__(
        self,
        session: Session,
        provider: Any,
        function: Callable[..., Any],
        args: tuple[Any, ...],
        kwargs: Mapping[str, Any],
    ) -> None:
        self.session = session
        self.provider = provider
        self.function = function
        self.args = args
        self.kwargs = kwargs

    def arguments(self, **supported: Any) -> dict[str, Any] | None:
        """The call's arguments by name, defaults from ``supported`` (which should be
        Faker's); None when an argument is not one of ``supported`` or does not fit
        the method's signature."""
        if not self.args and not self.kwargs:
            return dict(supported)
        try:
            signature = inspect.signature(inspect.unwrap(self.function))
            given = signature.bind_partial(None, *self.args, **self.kwargs).arguments
        except (TypeError, ValueError):
            return None
        given = dict(given)
        given.pop(next(iter(signature.parameters)), None)
        if any(name not in supported for name in given):
            return None
        return {**supported, **given}

    def no_arguments(self) -> bool:
        """Whether the call has no arguments (most compilers support none)."""
        return not self.args and not self.kwargs

    def has(self, name: str) -> bool:
        """Whether the provider has the attribute (Faker's ``hasattr(self, ...)``)."""
        return hasattr(self.provider, name)

    def data(self, name: str) -> Any:
        """The provider's attribute ``name`` (its locale's data)."""
        return getattr(self.provider, name)

    def elements(self, elements: Any) -> Gen | None:
        """``self.random_element(elements)``: uniform over a sequence (an entry listed
        twice counts twice), weighted over an ``OrderedDict`` when the provider uses
        weighting."""
        return self.session.elements(self.provider, elements)

    def formats(self, elements: Any, *, then: str | None = None) -> Gen | None:
        """``self.generator.parse(self.random_element(elements))``; ``then`` names what
        is done to the parsed text after (``"numerify"``, as several phone number
        providers do, or ``"bothify"``, as user names do)."""
        table = self.session.table(self.provider, elements)
        if table is None:
            return None
        entries, weights = table
        compiled: dict[str, Gen | None] = {}
        for entry in dict.fromkeys(entries):
            if not isinstance(entry, str):
                return None
            compiled[entry] = self.template(entry, then=then)
            if compiled[entry] is None:
                return None
        if len(compiled) == 1:
            return next(iter(compiled.values()))
        return OneOf([g for g in (compiled[e] for e in entries) if g is not None], weights)

    def template(self, text: str, *, then: str | None = None) -> Gen | None:
        """``self.generator.parse(text)``, then ``numerify`` or ``bothify`` of it when
        ``then`` says so."""
        return self.session.template(text, then=then)

    def method(self, name: str, *args: Any, **kwargs: Any) -> Gen | None:
        """``self.<name>(*args, **kwargs)``: a method of the same provider instance."""
        found = getattr(self.provider, name, None)
        return None if found is None else self.session.compile(found, args, kwargs)

    def token(self, name: str, *args: Any, **kwargs: Any) -> Gen | None:
        """``self.generator.format(name, *args, **kwargs)``: whichever provider the
        generator finds."""
        return self.session.token(name, args, kwargs)


_IN_PROGRESS = Const(None)


class Session:
    """One compilation: the Faker generator whose providers are compiled, whether
    weights are used, and what was compiled so far (a token used twice is compiled
    once)."""

    def __init__(self, generator: Any, *, weighted: bool = True) -> None:
        self.generator = generator
        self.weighted = weighted
        self._memo: dict[Hashable, Gen | None] = {}

    def token(
        self, name: str, args: tuple[Any, ...] = (), kwargs: Mapping[str, Any] | None = None
    ) -> Gen | None:
        """The Gen of ``{{name}}`` in a template (or of ``generator.format(name, ...)``)."""
        found = getattr(self.generator, name, None)
        return None if found is None else self.compile(found, args, kwargs or {})

    def compile(self, method: Any, args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> Gen | None:
        """The Gen of a bound method of a Faker provider called with these arguments,
        or None."""
        owner = getattr(method, "__self__", None)
        function = getattr(method, "__func__", None)
        if function is None or not _faker_own(owner, function):
            return None
        try:
            key: Hashable = (id(owner), function, args, _freeze(kwargs))
            hash(key)
        except TypeError:
            return None
        if key in self._memo:
            found = self._memo[key]
            # A method that reaches itself again (a format naming its own provider)
            # would recurse forever in Faker too: it is not compiled.
            return None if found is _IN_PROGRESS else found
        self._memo[key] = _IN_PROGRESS
        compiler = _compiler_of(function)
        gen = None if compiler is None else compiler(Call(self, owner, function, args, kwargs))
        self._memo[key] = gen
        return gen

    def table(self, provider: Any, elements: Any) -> tuple[list[Any], list[float] | None] | None:
        """The entries and weights (None: uniform) that ``random_element`` picks from."""
        from collections import OrderedDict

        if isinstance(elements, dict):
            if not isinstance(elements, OrderedDict):
                return None  # Faker refuses a plain dict (ValueError)
            entries = list(elements.keys())
            if not entries:
                return None
            use = self.weighted and getattr(provider, "__use_weighting__", False)
            return entries, ([float(w) for w in elements.values()] if use else None)
        if isinstance(elements, str | Sequence) or hasattr(elements, "__iter__"):
            entries = list(elements)
            return (entries, None) if entries else None
        return None

    def elements(self, provider: Any, elements: Any) -> Gen | None:
        """The Gen of ``random_element(elements)``."""
        table = self.table(provider, elements)
        if table is None:
            return None
        try:
            return choice(*table)
        except TypeError:  # unhashable entries
            return Choice(*table)

    def template(self, text: str, *, then: str | None = None) -> Gen | None:
        """The Gen of ``generator.parse(text)``, numerified or bothified after when
        ``then`` says so."""
        if then not in (None, "numerify", "bothify"):
            return None
        letters = string.ascii_letters if then == "bothify" else None
        numerify = then is not None

        parts: list[str | Gen] = []
        position = 0
        for match in _TOKEN.finditer(text):
            literal = text[position : match.start()]
            position = match.end()
            if literal:
                parts.append(pattern(literal, letters=letters) if numerify else literal)
            if match.group(2):
                return None  # an argument group: rare, and set on the generator at run time
            gen = self.token(match.group(1))
            if gen is None:
                return None
            if numerify:
                pieces = gen.pieces()
                # Faker numerifies the whole parsed text: a token's value must hold no
                # placeholder for the literal parts to be numerified alone.
                if pieces is None or any(PLACEHOLDERS.search(p) for p in pieces):
                    return None
            parts.append(gen)
        literal = text[position:]
        if literal:
            parts.append(pattern(literal, letters=letters) if numerify else literal)
        return template(parts)


def _faker_own(owner: Any, function: Callable[..., Any]) -> bool:
    """Whether ``owner`` is a provider of Faker's own modules and ``function`` Faker's
    code: a user's provider (or subclass) overriding a name keeps calling Faker."""
    if owner is None:
        return False
    module = type(owner).__module__
    where = getattr(function, "__module__", "") or ""
    return (module == "faker.providers" or module.startswith("faker.providers.")) and (
        where == "faker.providers" or where.startswith("faker.providers.")
    )


def _compiler_of(function: Callable[..., Any]) -> Compiler | None:
    key = (getattr(function, "__module__", ""), getattr(function, "__qualname__", ""))
    compiler = _COMPILERS.get(key)
    if compiler is not None:
        return compiler
    from pyfactory.providers._recognize import recognize

    return recognize(function)


def _freeze(value: Any) -> Any:
    """A hashable stand-in for an argument value (lists become tuples)."""
    if isinstance(value, Mapping):
        return tuple(sorted((k, _freeze(v)) for k, v in value.items()))
    if isinstance(value, list | tuple):
        return (type(value).__name__, tuple(_freeze(v) for v in value))
    return value


_CACHE: dict[Hashable, FastProvider | None] = {}
#: Compiled calls kept, at most.
_CACHE_SIZE = 4096


def _generator_of(faker: Any) -> Any:
    """The one Faker generator behind ``faker`` (a ``Faker`` proxy or a generator), or
    None when it has several locales."""
    factories = getattr(faker, "_factories", None)
    if factories is None:
        return faker if hasattr(faker, "get_providers") else None
    return factories[0] if len(factories) == 1 else None


def fast_provider(
    faker: Any,
    name: str,
    args: tuple[Any, ...] = (),
    kwargs: Mapping[str, Any] | None = None,
) -> FastProvider | None:
    """The compiled provider ``name`` of ``faker`` with these arguments, or None when
    there is none and Faker must be called.

    None when ``name`` is not a provider pyfactory compiles, ``faker`` has several
    locales, the arguments are not ones it supports, or the method ``faker`` would run
    is not Faker's own (a provider added by the user overrides it). Compiled providers
    are cached by the classes of ``faker``'s providers (so by locale), weighting, name
    and arguments: compiling is done once per process.

    Args:
        faker: A ``faker.Faker`` (one locale) or a Faker generator.
        name: The provider method's name, such as ``"email"``.
        args: Its positional arguments.
        kwargs: Its keyword arguments.

    Returns:
        A :class:`FastProvider`, or None.

    .. versionadded:: 1.0
    """
    kwargs = {} if kwargs is None else kwargs
    generator = _generator_of(faker)
    if generator is None:
        return None
    method = getattr(generator, name, None)
    if method is None:
        return None
    owner = getattr(method, "__self__", None)
    try:
        key: Hashable = (
            tuple(
                (type(p), getattr(p, "__use_weighting__", False)) for p in generator.get_providers()
            ),
            type(owner),
            name,
            _freeze(args),
            _freeze(kwargs),
        )
        hash(key)
    except TypeError:
        return _compile(generator, name, method, args, kwargs, True)
    found = _CACHE.get(key, _CACHE)
    if found is _CACHE:
        if len(_CACHE) >= _CACHE_SIZE:
            # Arguments that change on every call (a user's mapping may pass a value's
            # own bound) would grow it forever; compiling again gives the same provider.
            _CACHE.clear()
        found = _CACHE[key] = _compile(generator, name, method, args, kwargs, True)
    return found  # type: ignore[return-value]


def _compile(
    generator: Any,
    name: str,
    method: Any,
    args: tuple[Any, ...],
    kwargs: Mapping[str, Any],
    weighted: bool,
) -> FastProvider | None:
    gen = Session(generator, weighted=weighted).compile(method, args, kwargs)
    if gen is None:
        return None
    uniform_made: list[FastProvider | None] = []

    def uniform() -> FastProvider | None:
        if not uniform_made:
            uniform_made.append(_compile(generator, name, method, args, kwargs, False))
        return uniform_made[0]

    return FastProvider(name, gen, uniform if weighted else None)
