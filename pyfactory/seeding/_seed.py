"""The :class:`Seed` base class and the order that seeds run in."""

from __future__ import annotations

from collections.abc import Awaitable, Iterable, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from pyfactory.seeding.errors import MissingSeedError, SeedCycleError, SeedDefinitionError

if TYPE_CHECKING:
    from pyfactory.seeding._context import SeedContext

__all__ = ["Seed", "order_seeds"]


class Seed:
    """One step of filling a database: subclass it, and write ``run``.

    Class attributes:
        depends_on: The seeds that must run first: seed classes, or their class names
            as strings (for a seed defined in a module that would import this one).
            A seed class named here is run even when it was not asked for.
        _abstract: ``True`` for a base class that only shares helpers; it is never run.

    Class attributes of your own, such as fixed ids (``event_id = UUID(...)``), are
    plain class attributes: other seeds read them as ``TicketingSeed.event_id``.

    Both methods may be ``async def``, for an async driver (an ``AsyncSession``): the
    runners refuse them on a synchronous one before any seed runs. Under
    :func:`arun_seeds` with an ``AsyncSession``, a plain ``def`` method runs inside
    ``session.run_sync()`` and its ``ctx.session`` is the synchronous ``Session``, so
    one set of plain seeds serves a sync and an async URL. The runner makes one instance per
    run with no arguments.

    .. versionadded:: 0.1
    """

    depends_on: ClassVar[Sequence[type[Seed] | str]] = ()
    _abstract: ClassVar[bool] = True

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._abstract = bool(cls.__dict__.get("_abstract", False))
        depends_on = cls.__dict__.get("depends_on", ())
        if isinstance(depends_on, str) or not isinstance(depends_on, Iterable):
            raise SeedDefinitionError(
                f"{cls.__name__}.depends_on is a list of seed classes or names, not {depends_on!r}"
            )
        for dependency in depends_on:
            if isinstance(dependency, str):
                continue
            if not (isinstance(dependency, type) and issubclass(dependency, Seed)):
                raise SeedDefinitionError(
                    f"{cls.__name__}.depends_on lists {dependency!r}, which is neither a "
                    "Seed subclass nor the name of one"
                )
            if dependency._abstract:
                raise SeedDefinitionError(
                    f"{cls.__name__}.depends_on lists {dependency.__name__}, which is "
                    "abstract (_abstract = True) and never runs"
                )
        cls.depends_on = tuple(depends_on)
        if not cls._abstract and cls.run is Seed.run:
            raise SeedDefinitionError(
                f"{cls.__name__} has no run(self, ctx) method; write one, or set "
                "_abstract = True for a base seed"
            )

    def run(self, ctx: SeedContext) -> Awaitable[None] | None:
        """Write the seed's rows through ``ctx.session`` and the factories of
        :meth:`SeedContext.factory`; may be ``async def``.

        The runner commits once it returns, or, if it raises, rolls back what it
        wrote since its last commit of its own (what it committed itself stays).
        """
        raise NotImplementedError  # pragma: no cover - __init_subclass__ requires it

    def should_run(self, ctx: SeedContext) -> bool | Awaitable[bool]:
        """Whether the seed has anything to do: ``False`` skips it. May be ``async def``.

        The default is ``True``. Return ``False`` once the seed's rows are there, so
        that running the seeds again adds nothing.
        """
        return True


def _name(seed: type[Seed]) -> str:
    return seed.__name__


def order_seeds(seeds: Iterable[type[Seed]], *, only: Iterable[str] = ()) -> list[type[Seed]]:
    """The seeds in the order they run: each after everything it depends on, and
    otherwise in the order given.

    Seed classes named in a ``depends_on`` are added; names in a ``depends_on`` are
    looked up among all of them.

    Args:
        seeds: The seeds to run.
        only: Names of seeds: when given, only these run, and what they depend on.

    Returns:
        The seed classes, each once.

    Raises:
        SeedDefinitionError: A non-seed or abstract seed was given, or two seeds share
            a name.
        MissingSeedError: A ``depends_on`` or ``only`` name that is no seed here; every
            one of them is listed.
        SeedCycleError: Seeds that depend on themselves, with the cycle.

    .. versionadded:: 0.1
    """
    known: dict[str, type[Seed]] = {}
    queue = list(seeds)
    while queue:
        seed = queue.pop(0)
        if not (isinstance(seed, type) and issubclass(seed, Seed)):
            raise SeedDefinitionError(f"{seed!r} is not a Seed subclass")
        if seed._abstract:
            raise SeedDefinitionError(
                f"{_name(seed)} is abstract (_abstract = True) and cannot run"
            )
        name = _name(seed)
        other = known.get(name)
        if other is seed:
            continue
        if other is not None:
            raise SeedDefinitionError(
                f"two seeds are named {name}: {other.__module__}.{other.__qualname__} and "
                f"{seed.__module__}.{seed.__qualname__}; rename one"
            )
        known[name] = seed
        queue.extend(d for d in seed.depends_on if not isinstance(d, str))
    missing = [
        f"{name} needs {dependency!r}"
        for name, seed in known.items()
        for dependency in seed.depends_on
        if isinstance(dependency, str) and dependency not in known
    ]
    wanted = [only] if isinstance(only, str) else list(only)
    missing.extend(repr(name) for name in wanted if name not in known)
    if missing:
        raise MissingSeedError(missing, known)

    def dependencies(seed: type[Seed]) -> list[type[Seed]]:
        return [known[d] if isinstance(d, str) else d for d in seed.depends_on]

    ordered: list[type[Seed]] = []
    done: set[type[Seed]] = set()
    path: list[type[Seed]] = []

    def visit(seed: type[Seed]) -> None:
        if seed in done:
            return
        if seed in path:
            cycle = path[path.index(seed) :]
            raise SeedCycleError([_name(s) for s in (*cycle, seed)])
        path.append(seed)
        for dependency in dependencies(seed):
            visit(dependency)
        path.pop()
        done.add(seed)
        ordered.append(seed)

    # Every seed is visited, so that a cycle is found even outside ``only``.
    for seed in known.values():
        visit(seed)
    if not wanted:
        return ordered
    needed: set[type[Seed]] = set()
    stack = [known[name] for name in wanted]
    while stack:
        seed = stack.pop()
        if seed not in needed:
            needed.add(seed)
            stack.extend(dependencies(seed))
    return [seed for seed in ordered if seed in needed]
