"""Sequence counters: one thread-safe counter per factory class and key, the
process-wide table of them (:data:`counters`), and :class:`SequencePattern`,
which reads a stored value's number back for ``sequence(..., resume=True)``.

Part of the foundation: it imports nothing of pyfactory but ``errors``, so the
fields (:func:`pyfactory.fields.sequence`), the builders (which read patterns
back from a database) and the process state (:mod:`pyfactory._state`) share it.
"""

from __future__ import annotations

import re
import string
import sys
import threading
from collections.abc import Callable, Iterable, Mapping
from itertools import count as _count
from typing import Any

from pyfactory.errors import FactoryDefinitionError, UsageError

# With the GIL, next() on itertools.count is atomic; without it, a lock keeps it exact.
_NEEDS_LOCK = not getattr(sys, "_is_gil_enabled", lambda: True)()


class Counter:
    """One sequence's counter, exact under threads."""

    __slots__ = ("_it", "_lock", "next", "resumed", "spacing", "start")

    def __init__(self, start: int, spacing: tuple[int, int] = (0, 1)) -> None:
        self.start = start
        #: ``(offset, stride)``: see :meth:`SequenceCounters.spread`.
        self.spacing = spacing
        self._lock = threading.Lock()
        #: The next number, taking it: ``next()`` of the counting iterator itself where
        #: the GIL makes that atomic (one C call on every sequence's hot path), else
        #: a call that takes the lock.
        self.next: Callable[[], int]
        self._restart(start + spacing[0], spacing[1])
        #: The ``(model, column)`` pairs whose stored numbers this counter has skipped.
        self.resumed: frozenset[tuple[Any, str]] = frozenset()

    def _restart(self, number: int, stride: int) -> None:
        """Count from ``number`` by ``stride`` (under the lock, once counting)."""
        self._it = _count(number, stride)
        self.next = self._locked_next if _NEEDS_LOCK else self._it.__next__

    def _locked_next(self) -> int:
        with self._lock:
            return next(self._it)

    def reset(self, number: int | None = None) -> None:
        """Make ``number`` the next number; by default ``start`` plus the offset.

        A resumed sequence looks at the stored rows again on its next ``create``."""
        offset, stride = self.spacing
        with self._lock:
            self._restart(self.start + offset if number is None else number, stride)
            self.resumed = frozenset()

    def peek(self) -> int:
        """The next number, left to be taken."""
        with self._lock:
            number = next(self._it)
            self._restart(number, self.spacing[1])
        return number

    def skip_past(self, highest: int | None, where: tuple[Any, str]) -> None:
        """Make the next number greater than ``highest`` (a number stored in the column
        ``where``), keeping this counter's spacing, unless it already is."""
        offset, stride = self.spacing
        with self._lock:
            number = next(self._it)
            if highest is not None and number <= highest:
                first = self.start + offset
                number = first + ((highest - first) // stride + 1) * stride
            self._restart(number, stride)
            # Set last: a thread that sees it set draws from the new counter.
            self.resumed = self.resumed | {where}


#: A sequence counter's key: its factory class and sequence key.
CounterKey = tuple[type[Any], str]


class SequenceCounters:
    """Counters per factory class and sequence key."""

    def __init__(self) -> None:
        self._counters: dict[CounterKey, Counter] = {}
        self._lock = threading.Lock()
        self._spacing = (0, 1)

    @property
    def spacing(self) -> tuple[int, int]:
        """The ``(offset, stride)`` that :meth:`spread` set; ``(0, 1)`` by default."""
        return self._spacing

    def spread(self, offset: int = 0, stride: int = 1) -> None:
        """Space out the numbers of every sequence of the process, and restart them all.

        A sequence that starts at ``start`` then gives ``start + offset``, then
        ``start + offset + stride``, and so on, also after
        :meth:`Factory.reset_sequences() <pyfactory.Factory.reset_sequences>`. Processes
        that write to one database and count with the same ``stride`` but each its own
        ``offset`` in ``range(stride)`` never give the same number: the pytest plugin
        does this for the workers of pytest-xdist (``offset`` the worker's index,
        ``stride`` their number). ``spread()`` puts back the plain ``1, 2, 3``.

        Args:
            offset: Added to every number.
            stride: The step between two numbers of one sequence, at least 1.

        .. versionadded:: 0.1
        """
        if isinstance(offset, bool) or not isinstance(offset, int):
            raise UsageError(f"spread() offset must be an int, got {offset!r}")
        if isinstance(stride, bool) or not isinstance(stride, int) or stride < 1:
            raise UsageError(f"spread() stride must be an int of at least 1, got {stride!r}")
        with self._lock:
            self._spacing = spacing = (offset, stride)
            counters = list(self._counters.values())
        for counter in counters:
            counter.spacing = spacing
            counter.reset()

    def counter(self, owner: type[Any], key: str, start: int) -> Counter:
        """The counter of ``owner``'s sequence ``key``, made on first use."""
        counter = self._counters.get((owner, key))
        if counter is None:
            with self._lock:
                counter = self._counters.get((owner, key))
                if counter is None:
                    counter = self._counters[(owner, key)] = Counter(start, self._spacing)
        return counter

    def reset(self, owner: type[Any], start: int | None = None) -> None:
        """Restart the counters of ``owner`` and its subclasses."""
        with self._lock:
            counters = list(self._counters.items())
        for (cls, _key), counter in counters:
            if issubclass(cls, owner):
                counter.reset(None if start is None else start + counter.spacing[0])

    def snapshot(self) -> dict[CounterKey, int]:
        """The next number of every counter, by factory class and sequence key."""
        with self._lock:
            found = list(self._counters.items())
        return {key: counter.peek() for key, counter in found}

    def restore(self, numbers: Mapping[CounterKey, int]) -> None:
        """Make each counter's next number the one ``numbers`` gives (as from
        :meth:`snapshot`); a counter that ``numbers`` lacks restarts from its start.

        Like :meth:`reset`, it makes a ``resume=True`` sequence look at the stored
        rows again on its next ``create``; the spacing of :meth:`spread` stays.
        """
        with self._lock:
            found = list(self._counters.items())
        for key, counter in found:
            counter.reset(numbers.get(key))


#: The process's sequence counters.
counters = SequenceCounters()


# A rendered number: a sign, then digits with their separators; fill characters of a
# format spec ("{n:*>6}") may come before it.
_NUMBER = re.compile(r"[^\d-]*(-?\d[\d,_]*)")
# A %-style conversion of n, such as "%(n)s" or "%(n)05d".
_PERCENT_N = re.compile(r"%\(n\)[#0\- +]*\d*(?:\.\d+)?[a-zA-Z]")


class SequencePattern:
    """A sequence's template read backwards: the text around the number, for a
    database's prefilter, and the number of a stored value.

    A builder's :meth:`~pyfactory.builders.ModelBuilder.highest_sequence` receives one:
    it keeps the stored values that start with :attr:`prefix` and end with
    :attr:`suffix` (``LIKE 'user%@example.org'``) and gives the highest
    :meth:`number` among them (:meth:`highest`).

    Attributes:
        template: The sequence's template, such as ``"user{n}@example.org"``.
        prefix: The text before the number.
        suffix: The text after the number.

    .. versionadded:: 1.0
    """

    __slots__ = ("_regex", "_render", "prefix", "suffix", "template")

    def __init__(self, template: str, render: Callable[[int], Any]) -> None:
        if "%(n)" in template:
            literals = [part.replace("%%", "%") for part in _PERCENT_N.split(template)]
        else:
            literals = [""]
            for text, name, _spec, _conversion in string.Formatter().parse(template):
                literals[-1] += text
                if name is not None:
                    literals.append("")
        self.template = template
        self.prefix = literals[0]
        self.suffix = literals[-1] if len(literals) > 1 else ""
        self._render = render
        self._regex = re.compile("(.+?)".join(re.escape(text) for text in literals), re.DOTALL)

    def __repr__(self) -> str:
        return f"SequencePattern({self.template!r})"

    def number(self, value: object) -> int | None:
        """The ``n`` that renders as ``value``; None for a value this template does not
        render (``"user12x@example.org"``, say)."""
        if not isinstance(value, str):
            return None
        found = self._regex.fullmatch(value)
        if found is None:
            return None
        digits = _NUMBER.fullmatch(found.group(1))
        if digits is None:
            return None
        n = int(digits.group(1).replace(",", "").replace("_", ""))
        # The round trip rejects what only looks like a number of this template.
        return n if self._render(n) == value else None

    def highest(self, values: Iterable[object], above: int | None = None) -> int | None:
        """The highest :meth:`number` among ``values`` and ``above``; None if none."""
        for value in values:
            n = self.number(value)
            if n is not None and (above is None or n > above):
                above = n
        return above


def resume_pattern(
    source: str | Callable[[int], Any], render: Callable[[int], Any], start: int
) -> SequencePattern:
    """The pattern of a ``resume=True`` sequence; refused when its numbers cannot be
    read back from the values it renders."""
    if not isinstance(source, str):
        raise FactoryDefinitionError(
            f"sequence({getattr(source, '__qualname__', source)}, resume=True): resume "
            "reads the numbers back from the "
            "stored values, which needs a template string such as 'user{n}@example.org'; "
            "a function of n cannot be read backwards: give a template, or drop resume=True"
        )
    pattern = SequencePattern(source, render)
    for n in (start, start + 1234567):
        if pattern.number(render(n)) != n:
            raise FactoryDefinitionError(
                f"sequence({source!r}, resume=True): the number cannot be read back from "
                f"{render(n)!r}; write n in decimal, as {{n}} or {{n:05d}}"
            )
    return pattern
