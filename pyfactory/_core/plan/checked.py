"""Auto-filled rows that the model and the database accept: the layer's part for CHECK
constraints and model validators.

Bounds of one field that a CHECK sets (``x > 0``, ``x IN (...)``, ``BETWEEN``) are read
into its :class:`~pyfactory.introspect.FieldInfo` and drawn within (see
:mod:`pyfactory.introspect._checks`). Here:

* a CHECK that orders two fields (``ends_at > starts_at``) makes the later one drawn
  from the earlier, plus a positive step (:class:`_Above`), or, when the schema gives
  the later one, the earlier one from it, minus a step (:class:`_Below`): no draw is
  thrown away;
* a check that cannot be read, a pydantic ``model_validator`` or ``field_validator``,
  or a dataclass's ``__post_init__`` is met by drawing again: the auto-filled fields
  are drawn together by one hidden field (:class:`_Checked`) up to ``tries`` times
  (``Factory._check_tries``, :data:`MAX_CHECK_TRIES` by default), each time from a
  stream of its own, so a seeded factory gives the same row every run; then
  :class:`~pyfactory.autofill.ConstraintError` names the factory, the schema, the
  check and the values tried.

A check that only the database can evaluate (an unread part of a CHECK) is tested
against the row by SQLite, in memory, when SQLite can evaluate its text; otherwise it is
left to the database, which refuses the row when it is written.
"""

from __future__ import annotations

import datetime
import decimal
import enum
import math
import sqlite3
import threading
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from pyfactory._core.plan.autofield import AutoField
from pyfactory.autofill import MAX_CHECK_TRIES, ConstraintError
from pyfactory.errors import CyclicDependencyError
from pyfactory.fields import OMIT, SpecialField, TransientField

if TYPE_CHECKING:
    from faker import Faker

    from pyfactory._core.resolution.resolver import FieldContext
    from pyfactory._factory import Factory
    from pyfactory.autofill import Generator
    from pyfactory.introspect import FieldInfo
    from pyfactory.introspect._checks import Check, Pair

__all__ = ["CHECKED_KEY", "check_layer"]

#: The hidden key of the field that draws the checked fields together.
CHECKED_KEY = "(checks)"
#: How many of the rows tried the error shows.
_SHOWN = 3


def check_layer(
    cls: type[Factory[Any]], layer: dict[str, Any], fields: list[FieldInfo], given: frozenset[str]
) -> None:
    """Order the auto-filled fields that a CHECK compares, and check the rest of what
    the model and its table require by drawing again; ``layer`` is changed in place."""
    from pyfactory.introspect._checks import Pair, apply_checks

    model = cls._model
    checks = apply_checks(fields, _checks_of(model))[1]
    for check in checks:
        for part in check.parts:
            if isinstance(part, Pair):
                _order(cls, layer, part)
    tests = [*_model_tests(model), *_sql_tests(checks)]
    if not tests:
        return
    needs: set[str] | None = set()
    for test in tests:
        needs = None if needs is None or test.needs is None else needs | test.needs
    members = {
        name: field
        for name, field in layer.items()
        # Not a unique-together field: it draws again for a combination of its own.
        if type(field) in (AutoField, _Above, _Below) and (needs is None or name in needs)
    }
    if not members:
        return
    tries = getattr(cls, "_check_tries", MAX_CHECK_TRIES)
    if isinstance(tries, bool) or not isinstance(tries, int) or tries < 1:
        from pyfactory.errors import FactoryDefinitionError

        raise FactoryDefinitionError(
            f"{cls.__name__}._check_tries must be a positive int, got {tries!r}"
        )
    read = fields if needs is None else [info for info in fields if info.name in needs]
    checked = _Checked(cls, members, tests, read, tries)
    for name in members:
        layer[name] = checked.placeholders[name]
    layer[CHECKED_KEY] = checked


def _checks_of(model: Any) -> list[Check]:
    """The CHECK constraints of a SQLAlchemy mapped class or a Django model, read as far
    as they go; none for any other kind of model."""
    from pyfactory.introspect._django_fields import is_django
    from pyfactory.introspect._sqlalchemy_fields import is_sqlalchemy

    if is_sqlalchemy(model):
        from pyfactory.introspect._checks import sqlalchemy_checks

        return sqlalchemy_checks(model)
    if is_django(model):
        from pyfactory.introspect._checks import django_checks

        return django_checks(model)
    return []


# ------------------------------------------------------------------ ordered pairs


def _order(cls: type[Factory[Any]], layer: dict[str, Any], pair: Pair) -> None:
    high = layer.get(pair.high)
    low = layer.get(pair.low)
    above = None
    if type(high) is AutoField:
        above = layer[pair.high] = _Above(high.generator, high.info, cls, pair.low, pair.strict)
    if type(low) is AutoField:
        # Drawn on its own while the later field is drawn above it; below the later
        # field when the schema or the caller gives that one.
        below = _Below(low.generator, low.info, cls, pair.high, pair.strict)
        below.partner = above
        layer[pair.low] = below


#: The steps one field is drawn past another: in whole units of its type, up to these.
_STEPS: dict[type[Any], tuple[Any, int]] = {
    datetime.datetime: (datetime.timedelta(seconds=1), 30 * 86_400),
    datetime.date: (datetime.timedelta(days=1), 30),
    datetime.timedelta: (datetime.timedelta(seconds=1), 30 * 86_400),
    int: (1, 1000),
    float: (1.0, 1000),
    decimal.Decimal: (decimal.Decimal(1), 1000),
}


def _step(faker: Faker, other: Any, strict: bool, bound: tuple[Any, bool] | None) -> Any:
    """A step of ``other``'s type, positive (or zero when not ``strict``), that keeps
    within ``bound`` (how far the field may go from ``other``, and whether it must stay
    short of it); ``None`` for a type that has no steps here, or no room for one."""
    found = next(
        (
            (kind, unit, most)
            for kind, (unit, most) in _STEPS.items()
            if isinstance(other, kind) and not isinstance(other, bool)
        ),
        None,
    )
    if found is None:
        return None
    kind, unit, most = found
    least = 1 if strict else 0
    room: Any = most
    if bound is not None:
        try:
            room = min(bound[0] / unit, most)
        except (TypeError, ArithmeticError):
            room = most
    if kind is float:
        if room <= 0 and (strict or room < 0):
            return None
        return max(room, 0.0) * (1.0 - faker.random.random())  # within (0, room]
    steps = math.floor(room)
    if bound is not None and bound[1] and steps == room:
        steps -= 1  # an exclusive bound: short of it
    if steps < least:
        return None
    return unit * faker.random.randint(least, steps)


class _Above(AutoField):
    """An auto-filled field that a CHECK puts above another: that one's value plus a step."""

    __slots__ = ("other", "strict")

    def __init__(
        self,
        generator: Generator,
        info: FieldInfo,
        owner: type[Factory[Any]],
        other: str,
        strict: bool,
    ) -> None:
        super().__init__(generator, info, owner)
        self.other = other
        self.strict = strict

    sign = 1

    def drawn(self, ctx: FieldContext, faker: Any, read: Callable[[str], Any]) -> Any:
        other = read(self.other)
        if other is None or other is OMIT:
            return self.value(ctx, faker)
        step = _step(faker, other, self.strict, self._room(other))
        if step is None:
            return self.value(ctx, faker)
        try:
            return other + step if self.sign > 0 else other - step
        except OverflowError:
            return self.value(ctx, faker)

    def _room(self, other: Any) -> tuple[Any, bool] | None:
        """How far this field's own bound (the upper one above, the lower one below) is
        from ``other``, and whether the bound is exclusive; ``None`` for no bound."""
        info = self.info
        names = ("le", "lt") if self.sign > 0 else ("ge", "gt")
        for name, exclusive in zip(names, (False, True), strict=True):
            bound = getattr(info, name)
            if bound is not None:
                try:
                    return ((bound - other) * self.sign, exclusive)
                except TypeError:
                    return None
        return None

    def resolve(self, ctx: FieldContext) -> Any:
        return self.drawn(ctx, self.keyed(ctx), ctx.attrs.get)

    def describe(self) -> str:
        where = "above" if self.sign > 0 else "below"
        return f"auto-filled field drawn {where} {self.other!r}"


class _Below(_Above):
    """An auto-filled field that a CHECK puts below another: drawn on its own while
    ``partner`` (the other, drawn above it) fills that one, else that one's value
    minus a step."""

    __slots__ = ("partner",)
    sign = -1
    partner: _Above | None

    def drawn(self, ctx: FieldContext, faker: Any, read: Callable[[str], Any]) -> Any:
        there = _unwrapped(getattr(ctx, "values", {}).get(self.other))
        if there is not None and (
            there is self.partner or (isinstance(there, _Member) and there.name == self.other)
        ):
            return self.value(ctx, faker)  # the other is drawn above this one
        return super().drawn(ctx, faker, read)


# ------------------------------------------------------------------ drawing again


class _Test:
    """One check of a whole row: ``failure(row)`` is ``None`` when the row passes, else
    why it does not."""

    __slots__ = ("label", "needs", "run")

    def __init__(
        self,
        label: str,
        run: Callable[[Mapping[str, Any]], str | None],
        needs: frozenset[str] | None = None,
    ) -> None:
        self.label = label
        self.run = run
        #: The fields the test reads; ``None``: all of them (the model is made).
        self.needs = needs


def _model_tests(model: type[Any]) -> list[_Test]:
    """A test that makes the model, for a pydantic model with validators of its own or
    a dataclass with ``__post_init__``: their checks run when the model is made."""
    decorators = getattr(model, "__pydantic_decorators__", None)
    names: list[str] = []
    if decorators is not None:
        names.extend(f"model validator {model.__name__}.{n}" for n in decorators.model_validators)
        names.extend(f"field validator {model.__name__}.{n}" for n in decorators.field_validators)
    elif hasattr(model, "__dataclass_fields__") and hasattr(model, "__post_init__"):
        names.append(f"{model.__name__}.__post_init__")
    if not names:
        return []

    def made(row: Mapping[str, Any]) -> str | None:
        try:
            model(**row)
        except (ValueError, TypeError, AssertionError) as error:
            errors = getattr(error, "errors", None)
            if callable(errors):
                return "; ".join(str(e.get("msg")) for e in errors())
            return f"{type(error).__name__}: {error}"
        return None

    return [_Test(", ".join(names), made)]


def _sql_tests(checks: list[Check]) -> list[_Test]:
    """A test per CHECK with parts not read whose text SQLite can evaluate."""
    found = []
    for check in checks:
        if check.unread and check.columns:
            run = _sqlite_test(check)
            if run is not None:
                found.append(_Test(check.label, run, frozenset(check.columns)))
    return found


def _sqlite_test(check: Check) -> Callable[[Mapping[str, Any]], str | None] | None:
    """``SELECT (text) FROM (SELECT ? AS column, ...)`` on an in-memory SQLite; ``None``
    when SQLite cannot read the text (another dialect's syntax or functions)."""
    fields = list(check.columns)
    names = ", ".join(f'? AS "{check.columns[f]}"' for f in fields)
    sql = f"SELECT ({check.text}) FROM (SELECT {names})"
    connection = sqlite3.connect(":memory:", check_same_thread=False)
    try:
        connection.execute(sql, [None] * len(fields)).fetchall()
    except sqlite3.Error:
        connection.close()
        return None
    lock = threading.Lock()  # one connection for every thread that makes rows

    def passes(row: Mapping[str, Any]) -> str | None:
        values = [_sqlite_value(row.get(f)) for f in fields]
        with lock:
            (result,) = connection.execute(sql, values).fetchone()
        # As the database reads a CHECK: only false fails; NULL (unknown) passes.
        return "it is false" if result is not None and not result else None

    return passes


def _sqlite_value(value: Any) -> Any:
    """A value as SQLAlchemy writes it to SQLite, so that comparisons read the same."""
    if isinstance(value, enum.Enum):
        return value.name
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, datetime.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    if value is None or isinstance(value, (int, float, str, bytes)):
        return value
    return str(value)


class _Member(SpecialField[Any]):
    """An auto-filled field drawn with the others of its row by :class:`_Checked`."""

    __slots__ = ("name",)
    queries = False
    takes_overrides = False

    def __init__(self, name: str) -> None:
        self.name = name

    def resolve(self, ctx: FieldContext) -> Any:
        return ctx.attrs[CHECKED_KEY][self.name]

    def describe(self) -> str:
        return "auto-filled field drawn with its row's checks"


class _Checked(TransientField[Any]):
    """The auto-filled fields of one row, drawn together until the row passes its tests.

    Draw ``k`` of field ``name`` comes from the stream ``(checks) / name / k`` of the
    object, so the values depend on the seed and the object alone. A field the caller
    overrides is read, not drawn; so are the fields that are not auto-filled. When one of
    those is computed from an auto-filled field (a ``lazy`` over it), it cannot be known
    before the draw, and the row is taken as first drawn, unchecked.
    """

    __slots__ = ("fields", "members", "owner", "placeholders", "tests", "tries")
    takes_overrides = False

    def __init__(
        self,
        owner: type[Factory[Any]],
        members: dict[str, AutoField],
        tests: list[_Test],
        fields: list[FieldInfo],
        tries: int,
    ) -> None:
        super().__init__(None)
        self.owner = owner
        self.members = members
        self.tests = tests
        self.fields = fields
        self.tries = tries
        self.placeholders = {name: _Member(name) for name in members}

    def resolve(self, ctx: FieldContext) -> Any:
        values: Mapping[str, Any] = getattr(ctx, "values", {})
        ours = [
            name for name, ph in self.placeholders.items() if _unwrapped(values.get(name)) is ph
        ]
        if not ours:
            return {}  # the caller gives every field drawn here: nothing to draw again
        try:
            fixed = self._fixed(ctx, ours)
        except CyclicDependencyError:
            return self._draw(ctx, ours, 0)
        tried: list[dict[str, Any]] = []
        why = ""
        for attempt in range(self.tries):
            drawn = self._draw(ctx, ours, attempt)
            row = {**fixed, **{self._keyword(n): v for n, v in drawn.items() if v is not OMIT}}
            for test in self.tests:
                failure = test.run(row)
                if failure is not None:
                    why = f"{test.label} ({failure})"
                    break
            else:
                return drawn
            tried.append(drawn)
        shown = "; ".join(
            "(" + ", ".join(f"{n}={v!r}" for n, v in row.items()) + ")" for row in tried[-_SHOWN:]
        )
        draws = (
            f"{self.tries} draws of the auto-filled fields {', '.join(ours)} were all refused"
            if self.tries > 1
            else f"1 draw of the auto-filled fields {', '.join(ours)} was refused"
        )
        last = f"the last {len(tried[-_SHOWN:])} tried" if len(tried) > 1 else "tried"
        by = "the last by" if len(tried) > 1 else "by"
        raise ConstraintError(
            f"{self.owner._model.__name__}: {draws}, {by} {why}; {last}: {shown}; "
            "give these fields values in the schema, map them with _name_mappings, or raise "
            f"{self.owner.__name__}._check_tries"
        )

    def aresolve(self, ctx: FieldContext) -> Any:
        # Under acreate too: a value still awaited, read here, runs this again from the
        # start (the draws are the same), as for any field.
        return self.resolve(ctx)

    def _draw(self, ctx: FieldContext, ours: list[str], attempt: int) -> dict[str, Any]:
        drawn: dict[str, Any] = {}

        def read(name: str) -> Any:
            if name in ours:
                if name not in drawn:
                    drawn[name] = ctx.resolve_inner(
                        _Once(self.members[name], read), f"{name}/{attempt}"
                    )
                return drawn[name]
            return ctx.attrs.get(name)

        for name in ours:
            read(name)
        return drawn

    def _keyword(self, name: str) -> str:
        for info in self.fields:
            if info.name == name:
                alias = info.extra.get("alias")
                if alias and not info.extra.get("populate_by_name"):
                    return str(alias)
        return name

    def _fixed(self, ctx: FieldContext, ours: list[str]) -> dict[str, Any]:
        """The values of the model's fields that are not drawn here, by keyword."""
        attrs = ctx.attrs
        row: dict[str, Any] = {}
        for info in self.fields:
            name = info.name
            if name in ours:
                continue
            keyword = self._keyword(name)
            key = name if name in attrs else keyword if keyword in attrs else None
            if key is None or key == CHECKED_KEY:
                continue
            value = attrs[key]
            if value is not OMIT:
                row[keyword] = value
        return row

    def describe(self) -> str:
        return f"auto-filled fields checked together ({', '.join(self.members)})"


class _Once(AutoField):
    """One draw of a member inside :class:`_Checked`, reading the row drawn so far."""

    __slots__ = ("field", "read")

    def __init__(self, field: AutoField, read: Callable[[str], Any]) -> None:
        super().__init__(field.generator, field.info, field.owner)
        self.field = field
        self.read = read

    def resolve(self, ctx: FieldContext) -> Any:
        field = self.field
        if isinstance(field, _Above):
            return field.drawn(ctx, field.keyed(ctx), self.read)
        return field.value(ctx, field.keyed(ctx))


def _unwrapped(value: Any) -> Any:
    """The field under an alias's transient wrapper (see ``auto._by_alias``)."""
    if isinstance(value, TransientField) and not isinstance(value, (_Member, _Checked)):
        return value.default
    return value
