"""Fields of an attrs class, with the constraints its validators declare."""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from typing import Any

import attrs

from pyfactory.introspect._common import Facts, read_type, strip_qualifiers, type_hints
from pyfactory.introspect._info import FieldInfo

__all__ = ["attrs_fields", "is_attrs"]

#: An attrs ``_NumberValidator``'s operator → the bound it sets.
_COMPARISONS = {">=": "ge", ">": "gt", "<=": "le", "<": "lt"}


def is_attrs(model: Any) -> bool:
    """Whether ``model`` is an attrs class."""
    return isinstance(model, type) and attrs.has(model)


def attrs_fields(model: type[Any]) -> list[FieldInfo]:
    """One record per argument of the attrs class's ``__init__``.

    Attributes declared with ``init=False`` are left out. A private attribute
    (``_secret``) is passed to the constructor as ``secret``: that name is in
    ``extra["alias"]``. The validators of ``attrs.validators`` that state a
    constraint (``max_len``, ``min_len``, ``ge``/``gt``/``le``/``lt``, ``in_``,
    ``matches_re``, ``optional`` and lists or ``and_`` of them) give it;
    converters are ignored, as are validators that state nothing checkable here
    (``instance_of``, custom functions).
    """
    fields = [a for a in attrs.fields(model) if a.init]
    hints = type_hints(model, {a.name for a in fields})
    infos = []
    for attribute in fields:
        facts = Facts(attribute.name)
        annotation = hints.get(attribute.name, attribute.type)
        if annotation is None:  # attr.ib() with neither an annotation nor type=
            annotation = Any
        facts.set(type=read_type(strip_qualifiers(annotation), facts))
        _read_validator(attribute.validator, facts)
        default = attribute.default
        if isinstance(default, attrs.Factory):  # type: ignore[arg-type]
            if default.takes_self:
                facts.default()
                facts.note("default_takes_self", default.factory)
            else:
                facts.default(factory=default.factory)
        elif default is not attrs.NOTHING:
            facts.default(default)
        alias = getattr(attribute, "alias", None)
        if alias and alias != attribute.name:
            facts.note("alias", alias)
        facts.set(required=not facts.has_default)
        infos.append(facts.info())
    return infos


def _read_validator(validator: Any, facts: Facts) -> None:
    """Record the constraint ``validator`` states, looking inside ``and_`` and ``optional``.

    attrs' validator classes are private, so they are told apart by name; one
    that a future attrs renames is simply not read.
    """
    if validator is None:
        return
    if isinstance(validator, (list, tuple)):
        for each in validator:
            _read_validator(each, facts)
        return
    kind = type(validator).__name__
    if kind == "_AndValidator":
        _read_validator(getattr(validator, "_validators", ()), facts)
    elif kind == "_OptionalValidator":
        facts.set(nullable=True)
        _read_validator(getattr(validator, "validator", None), facts)
    elif kind == "_MaxLengthValidator":
        facts.constrain("max_length", getattr(validator, "max_length", None))
    elif kind == "_MinLengthValidator":
        facts.constrain("min_length", getattr(validator, "min_length", None))
    elif kind == "_NumberValidator":
        key = _COMPARISONS.get(getattr(validator, "compare_op", ""))
        if key is not None:
            facts.constrain(key, getattr(validator, "bound", None))
    elif kind == "_InValidator":
        options = getattr(validator, "_original_options", getattr(validator, "options", ()))
        facts.set(choices=_choices(options))
    elif kind == "_MatchesReValidator":
        _read_pattern(validator, facts)


def _choices(options: Any) -> tuple[Any, ...]:
    if isinstance(options, type) and issubclass(options, enum.Enum):
        return tuple(options)
    if isinstance(options, Mapping):
        return tuple(options.keys())
    return tuple(options)


def _read_pattern(validator: Any, facts: Facts) -> None:
    """The validator's regex, anchored so that ``re.search`` means what its
    ``match_func`` means; flags other than the default go to ``extra``."""
    compiled = getattr(validator, "pattern", None)
    if not isinstance(compiled, re.Pattern):
        return
    source = compiled.pattern
    if not isinstance(source, str):
        return
    func = getattr(getattr(validator, "match_func", None), "__name__", "fullmatch")
    if func == "fullmatch":
        source = rf"\A(?:{source})\Z"
    elif func == "match":
        source = rf"\A(?:{source})"
    facts.constrain("pattern", source)
    flags = compiled.flags & ~re.UNICODE
    if flags:
        facts.note("pattern_flags", re.RegexFlag(flags))
