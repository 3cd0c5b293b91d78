"""How the hot paths call a model with a row of attributes.

``model(**row)`` is what the builder contract says ``build`` does. For a class
whose signature takes the row's first keys by position (attrs classes,
dataclasses, most hand-written ``__init__``), passing them by position is the
same call, and CPython makes it in about half the time: a keyword call of a
class builds a dict and matches every name against the parameters again.
`bound_call` and `row_getter` make that call once the model's
signature has said which keys it may be.

Part of the realization layer; it knows nothing of factories.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Collection, Mapping
from contextlib import suppress
from functools import partial
from operator import itemgetter
from typing import Any
from weakref import WeakKeyDictionary

__all__ = ["bound_call", "row_getter"]

_POSITIONAL = inspect.Parameter.POSITIONAL_OR_KEYWORD

# The names each model class takes by position or keyword, leading its signature.
# Derived from the class alone, so it is a cache, not state; weak, so that classes
# made on the fly (property tests make thousands) are not kept alive by it.
_leading: WeakKeyDictionary[Any, tuple[str, ...]] = WeakKeyDictionary()


def _leading_names(model: Any) -> tuple[str, ...]:
    """The parameters that lead ``model``'s signature and may be given by position or
    by keyword, in order; none when the signature cannot be read.

    The signature is read as ``inspect.signature`` reports it, without following
    ``__wrapped__``: a wrapper that takes ``*args, **kwargs`` may treat keywords in
    its own way, so its model is called with keywords, as the contract says."""
    try:
        return _leading[model]
    except (KeyError, TypeError):
        pass
    try:
        parameters = inspect.signature(model, follow_wrapped=False).parameters.values()
    except (TypeError, ValueError):  # a callable that publishes no signature
        names: tuple[str, ...] = ()
    else:
        taken = []
        for parameter in parameters:
            if parameter.kind is not _POSITIONAL:
                break  # a positional-only one first, *args, or the keyword-only ones
            taken.append(parameter.name)
        names = tuple(taken)
    with suppress(TypeError):  # not weakly referable: read again next time
        _leading[model] = names
    return names


def _by_position(model: Any, keys: Any) -> tuple[str, ...]:
    """The longest run of ``model``'s leading parameters that ``keys`` all name."""
    taken = []
    for name in _leading_names(model):
        if name not in keys:
            break
        taken.append(name)
    return tuple(taken)


def bound_call(model: Callable[..., Any], row: Mapping[str, Any]) -> Callable[[], Any]:
    """``model(**row)`` bound once, to be called for each object: what it passes by
    position where the signature allows, the rest by keyword. The values are shared
    by every call, so ``row`` must hold values that need no fresh copy."""
    names = _by_position(model, row)
    return partial(
        model, *(row[name] for name in names), **{k: v for k, v in row.items() if k not in names}
    )


def row_getter(model: Callable[..., Any], keys: Collection[str]) -> itemgetter[Any] | None:
    """What makes ``model(*get(row))`` the call ``model(**row)`` for a row of exactly
    ``keys``: every key passed by position. None unless the model takes them all so,
    or for fewer than two (one keyword costs little). A caller compares each row's
    length with ``len(keys)``; a row with another key fails with ``KeyError``."""
    names = _by_position(model, keys)
    if len(names) < 2 or len(names) != len(keys):
        return None
    return itemgetter(*names)
