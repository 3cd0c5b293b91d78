"""Fast providers: Faker's own locale data, compiled to make each value from a key.

``fast_provider(faker, "email")`` returns a :class:`FastProvider` ``fn``: ``fn(key)``
is one email from a 64-bit key (the same key, the same email, in every process),
``fn.many(keys)`` a column of them. The core gives each value a key from its address
(seed, factory, schema, field, object index), so a value no longer depends on how
many others were drawn before it. :class:`UniqueValues` is the memory of
``fake(name, unique=True)`` on this path.

Why compiled from Faker's data rather than mimesis
--------------------------------------------------
mimesis is fast (about 4 us for a full name or an email, against 126 to 185 us for
Faker, on the machine of ``benchmarks/bench_values.py``), but it serves neither
need here:

* Its data are not Faker's, and not the same kind: a mimesis email is a word and a
  year (``demand1945@outlook.com``), not the person's name; its sentences are a
  fixed list of quotations; its locales and their tables differ. Users of
  ``fake("email")`` and auto-filled fields would see their data change kind.
* It has no per-value keys: its generators draw from one ``random.Random`` stream
  per provider object, so a value still depends on every draw before it, and
  re-seeding a Random per value costs about 4.5 us, more than a value.

Faker's slowness is not its data: it is how it draws. ``name()`` picks a format,
parses it with a regular expression, calls a method per token, and each weighted
pick builds the table's cumulative weights again (``random.choices`` over an
``OrderedDict`` of 690 first names): 185 us. The tables themselves are fine. So
:func:`fast_provider` compiles, once per locale and call, the method Faker would run
into plain functions of random bits: weighted tables become cumulative integer
weights bisected by one multiply-shift, ``{{token}}`` formats become ``%`` formats
whose parts are the compiled tokens, ``#``/``%``/``$``/``?`` patterns become number
ranges, and a user name's ASCII transliteration and slugging are done once per table
entry instead of once per value. The values are drawn as Faker draws them (same
tables, same weights, same formats, same edge rules), only from the key: per value
about 1 to 6 us instead of 60 to 270 (see ``benchmarks/README.rst`` for the
table).

Where the fast path stops
-------------------------
Providers whose Faker call already costs under 3 us -- ``uuid4``, ``pyint``,
``pybool``, ``boolean``, ``country``, ``job`` -- gain determinism, not speed: the
``mix`` of a key (SplitMix64's 12 operations on 64-bit integers) and a call cost
about as much as Faker's ``random.choice``. Sentences and paragraphs are drawn a
word at a time, ten bits each, and gain 3 to 5 times, not ten.

:func:`fast_provider` returns None -- and the core keeps calling Faker -- for a name
that is not compiled, a Faker with several locales, arguments that are not
supported, a locale whose method has code of its own that is not understood, and a
method of a provider the user added (only classes of ``faker.providers.*``
qualify). A relative date range (``"-30y"``, ``"today"``) is resolved when the
provider is compiled, once per process.

Unique values: what happens when a space runs out
-------------------------------------------------
See :mod:`pyfactory.providers._unique`: a few other draws of the key, then digits
added to values that take them (emails, user names, domains, URLs: never exhausted),
then, for small spaces (tables, ranges, booleans), a pick among the values left --
never a storm of retries; when none is left, a
:class:`~pyfactory.errors.FactoryError` names the provider and its number of
values, and says how to widen the space or reset the unique values.

.. versionadded:: 1.0
"""

from pyfactory.providers import (  # noqa: F401  (each registers its compilers)
    _address,
    _internet,
    _numbers,
    _person,
    _text,
    _time,
)
from pyfactory.providers._compile import FastProvider, fast_provider
from pyfactory.providers._unique import UniqueValues

__all__ = ["FastProvider", "UniqueValues", "fast_provider"]
