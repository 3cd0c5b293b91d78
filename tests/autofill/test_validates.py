"""Property tests: for generated pydantic and attrs models with constraints, every
auto-filled instance validates, and one seed gives the same instances.

The models are made by the strategies below (``pydantic.create_model`` and
``attrs.make_class``) from fields of every kind auto-filling supports, each with
constraints that some value meets; names that pick a name generator (``email``,
``age``, ``created_at``, ...) are combined with constraints of their own. A field
whose constraints no value meets must fail when the factory is set up, with
pyfactory's error naming the model, the field and its type.
"""

from __future__ import annotations

import enum
import ipaddress
import itertools
import math
import re
import uuid
from collections.abc import Callable, Sequence
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from fractions import Fraction
from typing import Annotated, Any, Literal, Optional, Union

import attrs
import pydantic
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pyfactory import Factory, FactoryDefinitionError, factory_for, schema

V = attrs.validators

seeds = st.integers(0, 2**32 - 1)

#: How many objects each factory makes per example.
BATCH = 4

#: Settings of the properties: together they keep this file well under a minute.
PROPERTY = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
IMPOSSIBLE = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
#: UNTRACED: coverage measures nothing in the two PROPERTY tests (``untraced``). Traced,
#: their 800 random models take three times as long, and what they run is what the
#: suite's own tests of each kind and constraint run; the random rest would make the
#: coverage figure change from run to run.

_numbers = itertools.count()


def unique_name(prefix: str) -> str:
    """A model name no other generated model has, so messages name this one."""
    return f"{prefix}{next(_numbers)}"


class Color(enum.Enum):
    RED = "red"
    GREEN = "green"
    BLUE = "blue"


class Priority(enum.IntEnum):
    LOW = 1
    HIGH = 2


class Status(str, enum.Enum):
    DRAFT = "draft"
    LIVE = "live"


# ------------------------------------------------------------------ oracles


def ceil_div(a: Fraction | int, b: Fraction | int) -> int:
    return math.ceil(Fraction(a) / Fraction(b))


def int_range(bounds: dict[str, Any]) -> tuple[int | None, int | None]:
    """The integers that ge/gt/le/lt allow, as an inclusive range."""
    lo = bounds.get("ge")
    if bounds.get("gt") is not None:
        lo = bounds["gt"] + 1
    hi = bounds.get("le")
    if bounds.get("lt") is not None:
        hi = bounds["lt"] - 1
    return lo, hi


def has_multiple(lo: Any, hi: Any, step: Fraction, *, lo_open: bool, hi_open: bool) -> bool:
    """Whether some ``k * step`` lies within the bounds (``None``: unbounded)."""
    if lo is None or hi is None:
        return True
    lo, hi = Fraction(lo), Fraction(hi)
    k = math.floor(lo / step) + 1 if lo_open else math.ceil(lo / step)
    return k * step < hi if hi_open else k * step <= hi


def decimal_exists(c: dict[str, Any]) -> bool:
    """Whether some Decimal meets pydantic's ge/gt/le/lt, multiple_of, max_digits and
    decimal_places, as pydantic counts them: on the normalized value (``0.05`` has two
    digits and two places), and with both given, at most ``max_digits - decimal_places``
    digits before the point."""
    digits, places, multiple = c.get("max_digits"), c.get("decimal_places"), c.get("multiple_of")
    if places is not None:
        tried = [places]  # the most places allowed; the whole digits are bounded anyway
    else:
        tried = list(range((digits if digits is not None else 6) + 1))
    lo = c["ge"] if c.get("ge") is not None else c.get("gt")
    hi = c["le"] if c.get("le") is not None else c.get("lt")
    for q in tried:
        unit = Fraction(1, 10**q)
        step = unit if multiple is None else rational_lcm(Fraction(multiple), unit)
        qlo, qhi = lo, hi
        lo_open, hi_open = c.get("gt") is not None, c.get("lt") is not None
        if digits is not None:
            cap = Fraction(10**digits - 1, 10**q)
            if qlo is None or Fraction(qlo) < -cap:
                qlo, lo_open = -cap, False
            if qhi is None or Fraction(qhi) > cap:
                qhi, hi_open = cap, False
        if has_multiple(qlo, qhi, step, lo_open=lo_open, hi_open=hi_open):
            return True
    return False


def rational_lcm(a: Fraction, b: Fraction) -> Fraction:
    """The least positive rational that both ``a`` and ``b`` divide."""
    return Fraction(math.lcm(a.numerator, b.numerator), math.gcd(a.denominator, b.denominator))


# ------------------------------------------------------------ shared pieces


def given_only(**constraints: Any) -> dict[str, Any]:
    return {k: v for k, v in constraints.items() if v is not None}


def annotated(tp: Any, **constraints: Any) -> Any:
    """``Annotated[tp, Field(...)]`` with the constraints given, or ``tp`` when there are none."""
    kept = given_only(**constraints)
    return Annotated[tp, pydantic.Field(**kept)] if kept else tp


@st.composite
def lengths(draw: st.DrawFn, most: int = 40) -> dict[str, int | None]:
    """min_length and max_length, either or both left out, that some length meets."""
    lo = draw(st.none() | st.integers(0, most))
    hi = draw(st.none() | st.integers(lo or 0, most + 20))
    return {"min_length": lo, "max_length": hi}


#: Realistic patterns, each with every length up to 60 that a string matching it (as
#: ``re.search`` tests it) may have; a searched pattern allows text around its match.
PATTERNS: dict[str, Sequence[int]] = {
    r"^[a-z]{3,8}$": range(3, 9),
    r"^\d{5}(-\d{4})?$": (5, 10),
    r"^[A-Z]{2}\d{6}$": (8,),
    r"^\+?[0-9]{7,12}$": range(7, 14),
    r"^[a-z0-9_]+$": range(1, 61),
    r"^#[0-9a-fA-F]{6}$": (7,),
    r"^[a-z]+(-[a-z]+)*$": range(1, 61),
    r"^(?:[0-9]{1,3}\.){3}[0-9]{1,3}$": range(7, 16),
    r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$": range(6, 61),
    r"^\w+$": range(1, 61),
    r"^(foo|bar|baz)-\d+$": range(5, 61),
    r"^[A-Z][a-z]*( [A-Z][a-z]*)*$": range(1, 61),
    r"[A-Z]": range(1, 61),
    r"\d{3}": range(3, 61),
}
ANCHORED = sorted(p for p in PATTERNS if p.startswith("^") and p.endswith("$"))


@st.composite
def pattern_lengths(draw: st.DrawFn, patterns: Sequence[str]) -> tuple[str, int | None, int | None]:
    """A pattern and lengths that some string matching it has."""
    pattern = draw(st.sampled_from(sorted(patterns)))
    size = draw(st.sampled_from(PATTERNS[pattern]))
    lo = draw(st.none() | st.integers(0, size))
    hi = draw(st.none() | st.integers(size, size + 20))
    return pattern, lo, hi


@st.composite
def int_bounds(draw: st.DrawFn, multiples: bool = True) -> dict[str, Any]:
    """ge or gt, le or lt and multiple_of, any of them left out, that some integer meets."""
    low = draw(st.none() | st.integers(-(10**9), 10**9))
    if low is None:
        high = draw(st.none() | st.integers(-(10**9), 10**9))
    else:
        high = draw(st.none() | st.integers(0, 10**5).map(lambda span: low + span))
    low_kind = draw(st.sampled_from(["ge", "gt"]))
    high_kind = draw(st.sampled_from(["le", "lt"]))
    multiple = draw(st.none() | st.integers(1, 1000)) if multiples else None
    bounds = {low_kind: low, high_kind: high}
    lo, hi = int_range(bounds)
    if (lo is not None and hi is not None) and (
        lo > hi or (multiple is not None and ceil_div(lo, multiple) * multiple > hi)
    ):
        bounds[high_kind] = None
    return given_only(**bounds, multiple_of=multiple)


@st.composite
def float_bounds(draw: st.DrawFn) -> dict[str, Any]:
    """Float bounds and multiple_of that some float meets."""
    finite = st.floats(-1e9, 1e9, allow_nan=False)
    low = draw(st.none() | finite)
    high = draw(st.none() | finite)
    if low is not None and high is not None and high < low:
        low, high = high, low
    low_kind = draw(st.sampled_from(["ge", "gt"]))
    high_kind = draw(st.sampled_from(["le", "lt"]))
    multiple = draw(st.none() | st.sampled_from([0.1, 0.25, 0.5, 2.5, 10.0]))
    if low is not None and high is not None:
        room = 2 * multiple if multiple is not None else 0.0
        lo = low if low_kind == "ge" else math.nextafter(low, math.inf)
        hi = high if high_kind == "le" else math.nextafter(high, -math.inf)
        if hi - lo < room or lo > hi:
            high = None
    return given_only(**{low_kind: low, high_kind: high}, multiple_of=multiple)


MULTIPLES = [Decimal("0.5"), Decimal("0.25"), Decimal("5"), Decimal("0.05"), Decimal("0.001")]


@st.composite
def decimal_constraints(draw: st.DrawFn) -> dict[str, Any]:
    """max_digits, decimal_places, bounds and multiple_of that some Decimal meets."""
    places = draw(st.none() | st.integers(0, 4))
    digits = draw(st.none() | st.integers(max(places or 0, 1), (places or 0) + 8))
    multiple = draw(st.none() | st.sampled_from(MULTIPLES))
    bound = st.decimals(-(10**6), 10**6, places=3)
    low = draw(st.none() | bound)
    high = draw(st.none() | bound)
    if low is not None and high is not None and high < low:
        low, high = high, low
    low_kind = draw(st.sampled_from(["ge", "gt"]))
    high_kind = draw(st.sampled_from(["le", "lt"]))
    found = given_only(
        max_digits=digits,
        decimal_places=places,
        multiple_of=multiple,
        **{low_kind: low, high_kind: high},
    )
    # Leave bounds out until a value meets them (with none, 0 does).
    for dropped in (high_kind, low_kind):
        if decimal_exists(found):
            break
        found.pop(dropped, None)
    return found


def time_bounds(
    values: st.SearchStrategy[Any], spans: st.SearchStrategy[timedelta], unit: timedelta
) -> st.SearchStrategy[dict[str, Any]]:
    """ge or gt and le or lt of dates, datetimes or durations that some value meets."""

    @st.composite
    def bounds(draw: st.DrawFn) -> dict[str, Any]:
        low = draw(st.none() | values)
        high = draw(st.none() | values) if low is None else low + draw(spans)
        low_kind = draw(st.sampled_from(["ge", "gt"]))
        high_kind = draw(st.sampled_from(["le", "lt"]))
        if low is not None and high is not None:
            lo = low if low_kind == "ge" else low + unit
            hi = high if high_kind == "le" else high - unit
            if lo > hi:
                high = None
        return given_only(**{low_kind: low, high_kind: high})

    return bounds()


OFFSETS = st.sampled_from([timezone.utc, timezone(timedelta(hours=5, minutes=30))])

date_bounds = time_bounds(
    st.dates(date(1900, 1, 1), date(2100, 1, 1)),
    st.integers(0, 3650).map(lambda days: timedelta(days=days)),
    timedelta(days=1),
)
datetime_bounds = time_bounds(
    st.datetimes(datetime(1900, 1, 1), datetime(2100, 1, 1)),
    st.integers(0, 10**14).map(lambda us: timedelta(microseconds=us)),
    timedelta(microseconds=1),
)
aware_datetime_bounds = OFFSETS.flatmap(
    lambda tz: time_bounds(
        st.datetimes(datetime(1900, 1, 1), datetime(2100, 1, 1), timezones=st.just(tz)),
        st.integers(0, 10**14).map(lambda us: timedelta(microseconds=us)),
        timedelta(microseconds=1),
    )
)
timedelta_bounds = time_bounds(
    st.timedeltas(timedelta(days=-3650), timedelta(days=3650)),
    st.integers(0, 10**12).map(lambda us: timedelta(microseconds=us)),
    timedelta(microseconds=1),
)


def micros_of(value: time) -> int:
    return (value.hour * 3600 + value.minute * 60 + value.second) * 10**6 + value.microsecond


@st.composite
def time_of_day_bounds(draw: st.DrawFn) -> dict[str, Any]:
    """ge or gt and le or lt of times of day that some time meets."""
    low = draw(st.none() | st.times())
    high = draw(st.none() | st.times())
    if low is not None and high is not None and high < low:
        low, high = high, low
    low_kind = draw(st.sampled_from(["ge", "gt"]))
    high_kind = draw(st.sampled_from(["le", "lt"]))
    lo = 0 if low is None else micros_of(low) + (low_kind == "gt")
    hi = 86_400 * 10**6 - 1 if high is None else micros_of(high) - (high_kind == "lt")
    if lo > hi:  # past the day's end, or between two neighbours: inclusive bounds
        low_kind, high_kind = "ge", "le"
    return given_only(**{low_kind: low, high_kind: high})


# ------------------------------------------------------------------ pydantic


@attrs.frozen(repr=False)
class Generated:
    """A generated model, with the source of every model it uses for a failing example."""

    model: Any
    source: str

    def __repr__(self) -> str:
        return self.source


@attrs.frozen
class Spec:
    """One generated pydantic field: its annotation, its default (``...``: none) and the
    generated models it uses, whose source a failing example shows."""

    annotation: Any
    default: Any = ...
    nested: tuple[Generated, ...] = ()


def required(annotation: Any, *nested: Generated) -> Spec:
    return Spec(annotation, ..., nested)


@st.composite
def pydantic_texts(draw: st.DrawFn) -> Any:
    """``str``: plain, with lengths in ``Field`` or in ``StringConstraints`` (which may
    also strip and change case), or with a pattern and lengths that a match has."""
    form = draw(st.sampled_from(["plain", "field", "constraints", "pattern"]))
    if form == "plain":
        return str
    if form == "pattern":
        pattern, lo, hi = draw(pattern_lengths(PATTERNS))
        if draw(st.booleans()):
            return annotated(str, pattern=pattern, min_length=lo, max_length=hi)
        return Annotated[
            str,
            pydantic.StringConstraints(
                pattern=pattern, min_length=lo, max_length=hi, strip_whitespace=draw(st.booleans())
            ),
        ]
    bounds = draw(lengths())
    if form == "field":
        return annotated(str, **bounds)
    case = draw(st.sampled_from([None, "to_lower", "to_upper"]))
    extra = {case: True} if case else {}
    constraints = pydantic.StringConstraints(
        **given_only(**bounds), strip_whitespace=draw(st.booleans()), **extra
    )
    return Annotated[str, constraints]


def pydantic_ints() -> st.SearchStrategy[Any]:
    return int_bounds().map(lambda c: annotated(int, **c))


def pydantic_floats() -> st.SearchStrategy[Any]:
    return float_bounds().map(lambda c: annotated(float, **c))


def pydantic_decimals() -> st.SearchStrategy[Any]:
    return decimal_constraints().map(lambda c: annotated(Decimal, **c))


pydantic_dates = date_bounds.map(lambda c: annotated(date, **c))
pydantic_datetimes = (datetime_bounds | aware_datetime_bounds).map(
    lambda c: annotated(datetime, **c)
)
pydantic_times = time_of_day_bounds().map(lambda c: annotated(time, **c))
pydantic_timedeltas = timedelta_bounds.map(lambda c: annotated(timedelta, **c))

pydantic_choices = st.sampled_from(
    [
        Color,
        Priority,
        Status,
        Literal["draft", "published"],
        Literal[1, 2, 3],
        Literal[True],
        bool,
        uuid.UUID,
        pydantic.UUID1,
        pydantic.UUID3,
        pydantic.UUID4,
        pydantic.UUID5,
        ipaddress.IPv4Address,
        Optional[Literal["a", "b"]],  # noqa: UP045 - built at runtime
        Literal["x", None],
        Union[int, str],  # noqa: UP007 - the typing form, on purpose
        Union[Color, date],  # noqa: UP007
    ]
)

#: pydantic's own constrained and special types.
pydantic_specials = st.sampled_from(
    [
        pydantic.PositiveInt,
        pydantic.NegativeInt,
        pydantic.NonNegativeInt,
        pydantic.NonPositiveInt,
        pydantic.PositiveFloat,
        pydantic.NegativeFloat,
        pydantic.FiniteFloat,
        pydantic.StrictInt,
        pydantic.StrictStr,
        pydantic.StrictBool,
        pydantic.conint(gt=10, lt=20, multiple_of=3),
        pydantic.confloat(ge=0, le=1),
        pydantic.condecimal(max_digits=4, decimal_places=2, gt=0),
        pydantic.constr(min_length=2, max_length=4, to_upper=True),
        pydantic.conlist(int, min_length=2, max_length=3),
        pydantic.conset(uuid.UUID, min_length=1),
        pydantic.PastDate,
        pydantic.FutureDate,
        pydantic.PastDatetime,
        pydantic.FutureDatetime,
        pydantic.AwareDatetime,
        pydantic.NaiveDatetime,
        pydantic.HttpUrl,
        pydantic.AnyUrl,
        pydantic.SecretStr,
        pydantic.IPvAnyAddress,
        pydantic.Json[list[int]],
        pydantic.Json,
        Optional[pydantic.Json[dict[str, date]]],  # noqa: UP045
    ]
)


@st.composite
def pydantic_urls(draw: st.DrawFn) -> Any:
    """A URL type, now and then with a max_length of its own (``http://x.io/`` is 12)."""
    url = draw(st.sampled_from([pydantic.AnyUrl, pydantic.HttpUrl, pydantic.AnyHttpUrl]))
    most = draw(st.none() | st.integers(12, 60))
    return url if most is None else Annotated[url, pydantic.UrlConstraints(max_length=most)]


@st.composite
def pydantic_bytes(draw: st.DrawFn) -> Any:
    return annotated(bytes, **draw(lengths(most=20)))


def pydantic_scalars() -> st.SearchStrategy[Any]:
    return st.one_of(
        pydantic_texts(),
        pydantic_ints(),
        pydantic_floats(),
        pydantic_decimals(),
        pydantic_dates,
        pydantic_datetimes,
        pydantic_times,
        pydantic_timedeltas,
        pydantic_choices,
        pydantic_specials,
        pydantic_urls(),
        pydantic_bytes(),
    )


#: Element types of sets and dict keys: many distinct values, so min_length is met.
wide_keys = st.sampled_from(
    [
        str,
        int,
        uuid.UUID,
        date,
        Annotated[int, pydantic.Field(ge=-(10**6), le=10**6)],
        Annotated[int, pydantic.Field(ge=10_000)],
        Annotated[Decimal, pydantic.Field(le=0, decimal_places=1)],
        Annotated[date, pydantic.Field(gt=date(2030, 12, 30))],
    ]
)


#: Element types of sets and dict keys of few values, and how many each has.
small_keys = st.sampled_from([(Color, 3), (bool, 2), (Literal["a", "b"], 2), (Priority, 2)])


@st.composite
def pydantic_containers(draw: st.DrawFn, element: st.SearchStrategy[Spec]) -> Spec:
    """A list, set, frozenset, tuple or dict of generated elements, with lengths."""
    kind = draw(st.sampled_from(["list", "set", "frozenset", "tuple", "fixed", "dict", "few"]))
    bounds = draw(lengths(most=4))
    if kind == "few":
        key, size = draw(small_keys)
        lo = draw(st.none() | st.integers(0, size))
        hi = draw(st.none() | st.integers(lo or 0, 6))
        made = draw(st.sampled_from([set[key], frozenset[key], dict[key, int]]))  # type: ignore[valid-type]
        return required(annotated(made, min_length=lo, max_length=hi))
    if kind == "fixed":
        items = [draw(element) for _ in range(draw(st.integers(1, 3)))]
        nested = tuple(g for item in items for g in item.nested)
        return required(tuple.__class_getitem__(tuple(i.annotation for i in items)), *nested)
    if kind in ("set", "frozenset"):
        key = draw(wide_keys)
        made = set[key] if kind == "set" else frozenset[key]  # type: ignore[valid-type]
        return required(annotated(made, **bounds))
    item = draw(element)
    if kind == "list":
        made = list[item.annotation]  # type: ignore[name-defined]
    elif kind == "tuple":
        made = tuple[item.annotation, ...]  # type: ignore[name-defined]
    else:
        made = dict[draw(wide_keys), item.annotation]  # type: ignore[misc]
    return required(annotated(made, **bounds), *item.nested)


@st.composite
def pydantic_fields(draw: st.DrawFn, depth: int) -> Spec:
    """Any field: a scalar, Optional, a container or another generated model."""
    scalar = pydantic_scalars().map(required)
    kinds = ["scalar", "scalar", "scalar", "optional", "container"]
    if depth > 0:
        kinds.append("nested")
    kind = draw(st.sampled_from(kinds))
    if kind == "scalar":
        return draw(scalar)
    if kind == "optional":
        inner = draw(scalar)
        default = draw(st.sampled_from([..., None]))
        return Spec(Optional[inner.annotation], default)  # noqa: UP045 - built at runtime
    if kind == "container":
        element = scalar | (pydantic_models(depth - 1).map(lambda g: required(g.model, g)))
        return draw(pydantic_containers(element if depth > 0 else scalar))
    nested = draw(pydantic_models(depth - 1))
    form = draw(st.sampled_from(["plain", "optional", "list"]))
    if form == "plain":
        return required(nested.model, nested)
    if form == "optional":
        return Spec(Optional[nested.model], None, (nested,))  # noqa: UP045 - built at runtime
    return required(annotated(list[nested.model], **draw(lengths(most=3))), nested)


#: Field names that pick a name generator, with the types they are tried with.
TEXT_NAMES = [
    "email",
    "first_name",
    "last_name",
    "username",
    "url",
    "website",
    "phone",
    "slug",
    "name",
    "city",
    "company",
    "title",
    "description",
    "password",
    "postcode",
    "country_code",
    "token",
    "address",
    "user_agent",
    "hex_color",
    "contact_email",
    "profile_url",
    "mime_type",
    "iban",
    "ip_address",
    "uuid",
    "created_at",
    "birthday",
    "due_date",
]


@st.composite
def named_pydantic_fields(draw: st.DrawFn) -> tuple[str, Spec]:
    """A field whose name picks a name generator, typed and constrained in its own way."""
    kind = draw(
        st.sampled_from(
            ["text", "age", "coordinate", "moment", "day", "uuid", "ip", "url", "other"]
        )
    )
    if kind == "text":
        return draw(st.sampled_from(TEXT_NAMES)), required(draw(pydantic_texts()))
    if kind == "other":
        # A name generator that cannot make the type: the type decides.
        return draw(st.sampled_from(TEXT_NAMES)), required(draw(pydantic_scalars()))
    if kind == "age":
        return "age", required(draw(pydantic_ints() | pydantic_decimals() | pydantic_floats()))
    if kind == "coordinate":
        name = draw(st.sampled_from(["latitude", "longitude", "lat", "lng"]))
        return name, required(draw(pydantic_floats() | pydantic_decimals()))
    if kind == "moment":
        name = draw(st.sampled_from(["created_at", "updated_at", "published_at", "timestamp"]))
        return name, required(draw(pydantic_datetimes | pydantic_dates))
    if kind == "day":
        name = draw(st.sampled_from(["birthday", "date_of_birth", "start_date", "due_on"]))
        return name, required(draw(pydantic_dates))
    if kind == "uuid":
        name = draw(st.sampled_from(["uuid", "guid", "order_uuid"]))
        return name, required(draw(st.sampled_from([uuid.UUID, pydantic.UUID4, pydantic.UUID5])))
    if kind == "url":
        name = draw(st.sampled_from(["url", "website", "homepage", "profile_url"]))
        return name, required(draw(pydantic_urls()))
    return "ip_address", required(
        draw(st.sampled_from([ipaddress.IPv4Address, pydantic.IPvAnyAddress]))
    )


def show(tp: Any) -> str:
    """An annotation as it reads, pydantic's ``FieldInfo`` shortened to its constraints."""
    text = repr(tp).replace("typing.", "").replace(f"{__name__}.", "")
    text = re.sub(
        r"FieldInfo\(annotation=NoneType, required=True, metadata=(\[.*?\])\)", r"Field\1", text
    )
    return re.sub(r"<class '(?:[\w.]+\.)?(\w+)'>", r"\1", text)


def pydantic_model(
    name: str, fields: dict[str, Spec], config: pydantic.ConfigDict | None = None
) -> Generated:
    model = pydantic.create_model(
        name,
        __config__=config,
        **{key: (spec.annotation, spec.default) for key, spec in fields.items()},
    )
    lines = [
        f"{key}: {show(spec.annotation)}" + ("" if spec.default is ... else f" = {spec.default!r}")
        for key, spec in fields.items()
    ]
    nested = dict.fromkeys(g.source for spec in fields.values() for g in spec.nested)
    head = f"class {name}(BaseModel):" + (f"  # {config}" if config else "")
    source = "\n".join([*nested, head, *(f"    {line}" for line in lines)])
    return Generated(model, source)


def with_alias(key: str, spec: Spec) -> Spec:
    """The field under an alias, which the constructor takes instead of its name."""
    alias = pydantic.Field(alias=f"{key.title().replace('_', '')}Alias")
    return attrs.evolve(spec, annotation=Annotated[spec.annotation, alias])


@st.composite
def pydantic_models(draw: st.DrawFn, depth: int = 1) -> Generated:
    """A pydantic model of one to seven generated fields, some named for a name generator,
    some under an alias; strict or forbidding extra keys now and then."""
    fields: dict[str, Spec] = {}
    for _ in range(draw(st.integers(0, 3))):
        key, spec = draw(named_pydantic_fields())
        fields[key] = spec
    for index in range(draw(st.integers(0 if fields else 1, 4))):
        fields[f"f{index}"] = draw(pydantic_fields(depth))
    # Random bytes are not UTF-8: base64 in JSON.
    config = pydantic.ConfigDict(ser_json_bytes="base64", val_json_bytes="base64")
    aliased = draw(st.lists(st.sampled_from(sorted(fields)), unique=True, max_size=2))
    for key in aliased:
        fields[key] = with_alias(key, fields[key])
    if aliased and draw(st.booleans()):
        config["populate_by_name"] = True
    config.update(draw(st.sampled_from([{}, {}, {"strict": True}, {"extra": "forbid"}])))
    return pydantic_model(unique_name("Model"), fields, config)


# ---------------------------------------------------------------------- attrs


class _Required(enum.Enum):
    REQUIRED = "required"


REQUIRED = _Required.REQUIRED


@attrs.frozen
class AttrsSpec:
    """One generated attrs field: its type (``None``: not annotated), validators, default."""

    type: Any
    validators: tuple[Any, ...]
    default: Any = REQUIRED
    nested: tuple[Generated, ...] = ()

    def validator(self, combine: bool) -> Any:
        if not self.validators:
            return None
        if len(self.validators) == 1:
            return self.validators[0]
        return V.and_(*self.validators) if combine else list(self.validators)


def checked(tp: type, draw: st.DrawFn, typed: bool, validators: list[Any]) -> AttrsSpec:
    """A field of ``tp``: annotated, or told by ``instance_of`` (or both)."""
    if not typed or draw(st.booleans()):
        validators.insert(0, V.instance_of(tp))
    return AttrsSpec(tp if typed else None, tuple(validators))


def number_validators(bounds: dict[str, Any]) -> list[Any]:
    return [getattr(V, key)(value) for key, value in bounds.items() if key != "multiple_of"]


MATCHERS: dict[str, Callable[..., Any]] = {
    "fullmatch": re.fullmatch,
    "search": re.search,
    "match": re.match,
}


@st.composite
def attrs_texts(draw: st.DrawFn, typed: bool) -> AttrsSpec:
    """A ``str`` with min_len/max_len, or a pattern that ``matches_re`` checks."""
    if draw(st.booleans()):
        func = draw(st.sampled_from(sorted(MATCHERS)))
        pattern, lo, hi = draw(pattern_lengths(ANCHORED if func == "fullmatch" else PATTERNS))
        flags = draw(st.sampled_from([0, re.IGNORECASE]))
        validators = [V.matches_re(pattern, flags=flags, func=MATCHERS[func])]
    else:
        bounds = draw(lengths())
        lo, hi = bounds["min_length"], bounds["max_length"]
        validators = []
    if lo is not None:
        validators.append(V.min_len(lo))
    if hi is not None:
        validators.append(V.max_len(hi))
    return checked(str, draw, typed, validators)


OPTIONS: list[tuple[type, Any]] = [
    (str, ("red", "green", "blue")),
    (str, ["only"]),
    (int, (1, 2, 3)),
    (Color, Color),
    (Priority, (Priority.LOW,)),
]


@st.composite
def attrs_scalars(draw: st.DrawFn) -> AttrsSpec:
    """A scalar attrs field with the validators attrs ships."""
    typed = draw(st.booleans())
    kind = draw(st.sampled_from(["str", "int", "float", "decimal", "date", "bool", "in", "uuid"]))
    if kind == "str":
        return draw(attrs_texts(typed))
    if kind == "int":
        return checked(int, draw, typed, number_validators(draw(int_bounds(multiples=False))))
    if kind == "float":
        bounds = {k: v for k, v in draw(float_bounds()).items() if k != "multiple_of"}
        return checked(float, draw, typed, number_validators(bounds))
    if kind == "decimal":
        bounds = draw(decimal_constraints())
        kept = {k: v for k, v in bounds.items() if k in ("ge", "gt", "le", "lt")}
        return checked(Decimal, draw, typed, number_validators(kept))
    if kind == "date":
        return checked(date, draw, typed, number_validators(draw(date_bounds)))
    if kind == "bool":
        return checked(bool, draw, typed, [])
    if kind == "uuid":
        return checked(uuid.UUID, draw, typed, [])
    tp, options = draw(st.sampled_from(OPTIONS))
    return AttrsSpec(tp if typed else None, (V.in_(options),))


@st.composite
def attrs_fields(draw: st.DrawFn, depth: int) -> AttrsSpec:
    """Any attrs field: a scalar, an optional one, a checked collection, another class."""
    kinds = ["scalar", "scalar", "optional", "iterable", "mapping", "sized"]
    if depth > 0:
        kinds.append("nested")
    kind = draw(st.sampled_from(kinds))
    if kind == "scalar":
        return draw(attrs_scalars())
    if kind == "optional":
        inner = draw(attrs_scalars())
        tp = None if inner.type is None else Optional[inner.type]  # noqa: UP045 - runtime
        default = draw(st.sampled_from([REQUIRED, None]))
        return AttrsSpec(tp, (V.optional(list(inner.validators)),), default)
    if kind == "iterable":
        member = draw(attrs_scalars())
        bounds = draw(lengths(most=4))
        container = draw(st.sampled_from([list, tuple]))
        checks: list[Any] = [V.instance_of(container)]
        if bounds["min_length"] is not None:
            checks.append(V.min_len(bounds["min_length"]))
        if bounds["max_length"] is not None:
            checks.append(V.max_len(bounds["max_length"]))
        validator = V.deep_iterable(
            member_validator=V.and_(*member.validators or [V.instance_of(member.type)]),
            iterable_validator=V.and_(*checks),
        )
        if member.type is None:
            tp = None
        else:
            tp = list[member.type] if container is list else tuple[member.type, ...]  # type: ignore[name-defined]
        return AttrsSpec(tp, (validator,))
    if kind == "mapping":
        return draw(attrs_mappings())
    if kind == "sized":
        bounds = given_only(**draw(lengths(most=4)))
        element = draw(st.sampled_from([int, str, date, uuid.UUID, Color]))
        tp = draw(st.sampled_from([list[element], tuple[element, ...]]))  # type: ignore[valid-type]
        sized = [V.min_len(bounds["min_length"])] if "min_length" in bounds else []
        sized += [V.max_len(bounds["max_length"])] if "max_length" in bounds else []
        return AttrsSpec(tp, tuple(sized))
    nested = draw(attrs_classes(depth - 1))
    if draw(st.booleans()):
        return AttrsSpec(nested.model, (V.instance_of(nested.model),), nested=(nested,))
    validator = V.optional(V.instance_of(nested.model))
    return AttrsSpec(Optional[nested.model], (validator,), None, (nested,))  # noqa: UP045


@st.composite
def attrs_keys(draw: st.DrawFn) -> AttrsSpec:
    """Keys of a checked mapping: of many values, so that min_len is met."""
    typed = draw(st.booleans())
    kind = draw(st.sampled_from(["str", "int", "uuid"]))
    if kind == "str":
        lo = draw(st.none() | st.integers(0, 10))
        hi = draw(st.none() | st.integers(max(lo or 0, 3), 30))
        sized = [V.min_len(lo)] if lo is not None else []
        return checked(str, draw, typed, sized + ([V.max_len(hi)] if hi is not None else []))
    if kind == "int":
        return checked(int, draw, typed, [V.ge(draw(st.integers(-(10**6), 10**6)))])
    return checked(uuid.UUID, draw, typed, [])


@st.composite
def attrs_mappings(draw: st.DrawFn) -> AttrsSpec:
    """A dict checked by ``deep_mapping``: its keys, its values and its lengths."""
    key = draw(attrs_keys())
    value = draw(attrs_scalars())
    bounds = given_only(**draw(lengths(most=4)))
    checks: list[Any] = [V.instance_of(dict)]
    checks += [V.min_len(bounds["min_length"])] if "min_length" in bounds else []
    checks += [V.max_len(bounds["max_length"])] if "max_length" in bounds else []
    typed = key.type is not None and value.type is not None and draw(st.booleans())

    def told(member: AttrsSpec) -> Any:
        """The member's validators; with ``instance_of`` when no annotation gives its type."""
        if typed or member.type is None:
            return V.and_(*member.validators or [V.instance_of(object)])
        return V.and_(V.instance_of(member.type), *member.validators)

    validator = V.deep_mapping(
        key_validator=told(key), value_validator=told(value), mapping_validator=V.and_(*checks)
    )
    return AttrsSpec(dict[key.type, value.type] if typed else None, (validator,))  # type: ignore[name-defined]


def attrs_class(name: str, fields: dict[str, AttrsSpec], combine: bool) -> Generated:
    made = {}
    lines = []
    for key, spec in fields.items():
        options: dict[str, Any] = {"validator": spec.validator(combine)}
        if spec.type is not None:
            options["type"] = spec.type
        if spec.default is not REQUIRED:
            options["default"] = spec.default
        made[key] = attrs.field(**options)
        shown = "" if spec.type is None else f": {show(spec.type)}"
        lines.append(
            f"{key}{shown} = attrs.field(validator={spec.validator(combine)!r}"
            + ("" if spec.default is REQUIRED else f", default={spec.default!r}")
            + ")"
        )
    model = attrs.make_class(name, made, kw_only=True)
    nested = dict.fromkeys(g.source for spec in fields.values() for g in spec.nested)
    source = "\n".join(
        [*nested, f"@attrs.define\nclass {name}:", *(f"    {line}" for line in lines)]
    )
    return Generated(model, source)


ATTRS_NAMES = ["email", "username", "slug", "phone", "url", "first_name", "city", "title"]


@st.composite
def attrs_classes(draw: st.DrawFn, depth: int = 1) -> Generated:
    """An attrs class of one to six generated fields, some named for a name generator."""
    fields: dict[str, AttrsSpec] = {}
    for key in draw(st.lists(st.sampled_from(ATTRS_NAMES), max_size=2, unique=True)):
        fields[key] = draw(attrs_texts(draw(st.booleans())))
    if draw(st.booleans()):
        fields["age"] = checked(int, draw, True, number_validators(draw(int_bounds(False))))
    for index in range(draw(st.integers(0 if fields else 1, 4))):
        # A private attribute is passed to __init__ without its underscore.
        private = "_" if draw(st.booleans()) else ""
        fields[f"{private}f{index}"] = draw(attrs_fields(depth))
    return attrs_class(unique_name("Record"), fields, draw(st.booleans()))


# ------------------------------------------------------------------ factories


def factories(model: type[Any]) -> list[type[Factory[Any]]]:
    """``factory_for(model)`` (required fields) and a factory whose schema fills all."""

    class Complete(Factory[Any]):
        _model = model
        _default_schema = "complete"

        @schema(auto="all")
        def complete(self) -> dict[str, Any]:
            return {}

    return [factory_for(model), Complete]


def built(factory: type[Factory[Any]], seed: int) -> list[Any]:
    """A batch and a single object, made with ``seed``; the same seed makes them again."""
    made = [*factory(seed=seed).build_batch(BATCH), factory(seed=seed + 1).build()]
    again = [*factory(seed=seed).build_batch(BATCH), factory(seed=seed + 1).build()]
    assert again == made, "the same seed gave other values"
    return made


class TestPydantic:
    """Generated pydantic models: every auto-filled instance validates and round-trips."""

    @pytest.mark.untraced  # see UNTRACED
    @PROPERTY
    @given(generated=pydantic_models(), seed=seeds)
    def test_every_instance_validates(self, generated: Generated, seed: int) -> None:
        """Built (so validated), ``model_validate(model_dump())`` gives it back, and its
        JSON validates too."""
        model = generated.model
        for factory in factories(model):
            for instance in built(factory, seed):
                assert type(instance) is model
                dumped = instance.model_dump(by_alias=True, round_trip=True)
                assert model.model_validate(dumped) == instance
                # Its JSON validates too (secrets dump masked, sets in any order: not equal).
                model.model_validate_json(instance.model_dump_json(by_alias=True, round_trip=True))


class TestAliases:
    """A field the constructor takes under another name (``FieldInfo.extra["alias"]``)."""

    def test_pydantic_alias(self) -> None:
        """A pydantic field with an alias (and no populate_by_name) is made by its alias."""
        model = pydantic.create_model(
            unique_name("Aliased"), code=(Annotated[int, pydantic.Field(alias="Code")], ...)
        )
        for factory in factories(model):
            assert isinstance(factory(seed=1).build().code, int)

    def test_attrs_private_attribute(self) -> None:
        """An attrs attribute ``_secret`` is passed to ``__init__`` as ``secret``."""
        model = attrs.make_class(unique_name("Private"), {"_secret": attrs.field(type=int)})
        for factory in factories(model):
            assert isinstance(factory(seed=1).build()._secret, int)


class TestAttrs:
    """Generated attrs classes: every auto-filled instance passes its validators."""

    @pytest.mark.untraced  # see UNTRACED
    @PROPERTY
    @given(generated=attrs_classes(), seed=seeds)
    def test_every_instance_validates(self, generated: Generated, seed: int) -> None:
        """Built (so validated once), ``attrs.validate`` passes again, nested classes too."""
        model = generated.model
        for factory in factories(model):
            for instance in built(factory, seed):
                assert type(instance) is model
                validate_deep(instance)


def validate_deep(instance: Any) -> None:
    attrs.validate(instance)
    for value in attrs.asdict(instance, recurse=False).values():
        items = value if isinstance(value, (list, tuple)) else [value]
        for item in items:
            if attrs.has(type(item)):
                validate_deep(item)


# ----------------------------------------------------------------- impossible

#: Fields no value meets: (annotation, how its type reads in the message, the reason).
IMPOSSIBLE_PYDANTIC: list[tuple[Any, str, str]] = [
    (annotated(str, min_length=5, max_length=3), "str", "min_length=5 is above max_length=3"),
    (annotated(int, ge=10, le=5), "int", "no integer is within ge=10, le=5"),
    (annotated(int, gt=4, lt=5), "int", "no integer is within gt=4, lt=5"),
    (annotated(int, ge=1, le=9, multiple_of=10), "int", "no multiple of 10 is within"),
    (annotated(float, gt=2.0, lt=1.0), "float", "no number is within"),
    (
        annotated(Decimal, max_digits=2, decimal_places=3),
        "Decimal",
        "decimal_places=3 is above max_digits=2",
    ),
    (annotated(Decimal, max_digits=2, ge=1000), "Decimal", "no decimal"),
    (
        annotated(Decimal, ge=Decimal("0.1"), le=Decimal("0.4"), multiple_of=Decimal("0.5")),
        "Decimal",
        "no multiple of 0.5",
    ),
    (annotated(date, gt=date(2020, 1, 1), lt=date(2020, 1, 2)), "date", "no date is within"),
    (annotated(time, ge=time(10), le=time(9)), "time", "no time of day is within"),
    (annotated(list[int], min_length=4, max_length=2), "list[int]", "min_length=4 is above"),
    (annotated(set[bool], min_length=3), "set[bool]", "min_length=3"),
    (annotated(dict[Color, int], min_length=4), "dict[Color, int]", "min_length=4"),
    (
        annotated(str, pattern=r"^[A-Z]{2}\d{6}$", max_length=5),
        "str",
        "no string matching",
    ),
    (
        annotated(str, pattern=r"^\d{5}(-\d{4})?$", min_length=6, max_length=9),
        "str",
        "no string matching",
    ),
    (
        Optional[annotated(int, ge=3, le=2)],  # noqa: UP045 - built at runtime
        "int | None",
        "no integer is within ge=3, le=2",
    ),
]


class TestImpossible:
    """Constraints no value meets fail when the factory is first used, naming the model,
    the field and its type, whatever other fields the model has."""

    @IMPOSSIBLE
    @given(
        generated=pydantic_models(depth=0),
        case=st.sampled_from(IMPOSSIBLE_PYDANTIC),
        key=st.sampled_from(["broken", "email", "age", "code"]),
        seed=seeds,
    )
    def test_pydantic(
        self, generated: Generated, case: tuple[Any, str, str], key: str, seed: int
    ) -> None:
        annotation, shown, reason = case
        base = generated.model
        model = pydantic.create_model(
            unique_name("Broken"), __base__=base, **{key: (annotation, ...)}
        )
        for factory in factories(model):
            try:
                factory(seed=seed).build()
            except FactoryDefinitionError as error:
                message = str(error)
            else:
                raise AssertionError(f"{model.__name__}.{key} was made")
            assert f"cannot generate {model.__name__}.{key} of type {shown}: " in message
            assert reason in message

    @IMPOSSIBLE
    @given(
        generated=attrs_classes(depth=0),
        case=st.sampled_from(
            [
                ((V.min_len(5), V.max_len(3)), str, "str", "min_length=5 is above max_length=3"),
                ((V.ge(10), V.le(5)), int, "int", "no integer is within ge=10, le=5"),
                ((V.gt(1.0), V.lt(1.0)), float, "float", "no number is within"),
                ((V.in_(()),), str, "str", "no choices"),
                (
                    (V.matches_re(r"[a-z]{3}"), V.max_len(2)),
                    str,
                    "str",
                    "no string matching",
                ),
                (
                    (V.deep_iterable(V.instance_of(int), V.and_(V.min_len(3), V.max_len(1))),),
                    list[int],
                    "list[int]",
                    "min_length=3 is above max_length=1",
                ),
                (
                    (V.deep_iterable(V.and_(V.ge(5), V.le(4))),),
                    list[int],
                    "list[int]",
                    "no integer is within ge=5, le=4",
                ),
            ]
        ),
        seed=seeds,
    )
    def test_attrs(self, generated: Generated, case: tuple[Any, ...], seed: int) -> None:
        validators, tp, shown, reason = case
        base = generated.model
        model = attrs.make_class(
            unique_name("Broken"),
            {"broken": attrs.field(type=tp, validator=list(validators))},
            bases=(base,),
            kw_only=True,
        )
        for factory in factories(model):
            try:
                factory(seed=seed).build()
            except FactoryDefinitionError as error:
                message = str(error)
            else:
                raise AssertionError(f"{model.__name__}.broken was made")
            assert f"cannot generate {model.__name__}.broken of type {shown}: " in message
            assert reason in message
