"""Fast providers: Faker's own locale data, compiled to make each value from a key.

``fast_provider(faker, "email")`` returns a :class:`FastProvider` ``fn``: ``fn(key)``
is one email from a 64-bit key (the same key, the same email, in every process),
``fn.many(keys)`` a column of them. The core gives each value a key from its address
(seed, factory, schema, field, object index), so a value no longer depends on how
many others were drawn before it. :class:`UniqueValues` is the memory of
``fake(name, unique=True)`` on this path.

Why compiled from Faker's data rather than mimesis
--------------------------------------------------
Measured side by side (``python benchmarks/bench_values.py``, en_US, one process),
mimesis is fast -- 3 to 6 us for a full name, an email or a user name, where Faker
takes 110 to 180 -- but it serves neither need here:

* Its data are not Faker's, nor of the same kind: a mimesis email is a word and a
  year (``demand1945@outlook.com``), not the person's name; its sentences are a
  fixed list of quotations; its locales and their tables differ. Users of
  ``fake("email")`` and of auto-filled fields would see their data change kind.
* It has no per-value keys: its providers draw from one ``random.Random`` stream
  each, so a value still depends on every draw before it, and re-seeding a Random
  per value costs about 4.5 us, more than a value.

Faker's slowness is not in its data but in how it draws: ``name()`` picks a format,
parses it with a regular expression, calls a method per token, and each weighted
pick rebuilds the table's cumulative weights (``random.choices`` over an
``OrderedDict`` of 690 first names). The tables themselves are fine. So
:func:`fast_provider` compiles, once per locale and call, the method Faker would run
into plain functions of random bits (:mod:`~pyfactory.providers._gen`): weighted
tables become integer cumulative weights bisected after one multiply-shift,
``{{token}}`` formats become ``%`` formats whose parts are the compiled tokens, the
picks of a value are chained through the bits of one 64-bit word, ``#``/``%``/``$``
patterns become number ranges, and a user name's transliteration and slug are done
once per table entry instead of once per value. Values are drawn as Faker draws them
-- same tables, same weights, same formats, same edge rules -- from the key alone.
``fn.many(keys)`` does it a column at a time (:mod:`~pyfactory.providers._column`).

Measured with Faker 40.63 on a shared two-core machine, ``fn(key)`` is 30 to 80
times faster than the Faker call for names, emails, user names, companies, cities,
URLs and domains (1 to 4 us a value), 16 to 22 times for addresses, 8 to 11 times
for dates in a range, and ``fn.many`` 25 to 180 times for all of those.

Where the fast path stops
-------------------------
Providers whose Faker call already costs a few microseconds gain determinism more
than speed: drawing the key's bits (SplitMix64's ``mix``, twelve operations on
64-bit integers) and a call cost about 0.5 to 1 us in CPython, so ``uuid4``,
``pyint``, ``pybool``, ``country``, ``job`` and ``postcode`` (0.5 to 3 us in Faker)
are about as fast as Faker one by one, and 2 to 9 times faster in columns;
``phone_number`` (13 to 23 us in Faker) and ``date_time`` (5 us) are 3 to 9 times
faster. Sentences and paragraphs are made a word at a time from the word list, two
words per product, and are 3.5 to 5 times faster, not ten: a sentence needs about
70 random bits, which is two mixes, before any word is joined.

:func:`fast_provider` returns None -- and the core keeps calling Faker -- for a name
that is not compiled, a Faker with several locales, arguments that are not
supported, a locale whose method has code of its own that is not understood, and a
method of a provider the user added (only classes of ``faker.providers.*``
qualify). Of the common providers in Faker's 111 locales, 97% compile. A relative
date range (``"-30y"``, ``"today"``) is resolved when the provider is compiled, once
per process. Compiled providers are cached by the classes of the Faker's providers:
data a user sets on a provider instance at run time is not seen.

A Faker stand-in for code that takes a Faker
--------------------------------------------
``fast_faker(faker).at(key)`` is a :class:`KeyedFaker`: it answers as ``faker`` does,
but its provider calls are the fast providers' values, each from a sub-key of
``key``, and its ``random`` is drawn from ``key`` too (:mod:`~pyfactory.providers._keyed`).
Auto-filled fields hand one to their generators, so ``_name_mappings`` and
``_type_mappings`` callables written for a Faker get fast, per-value values unchanged.

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
from pyfactory.providers._keyed import FastFaker, KeyedFaker, fast_faker
from pyfactory.providers._unique import UniqueValues

__all__ = ["FastFaker", "FastProvider", "KeyedFaker", "UniqueValues", "fast_faker", "fast_provider"]
