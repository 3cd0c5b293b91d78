"""Fast providers (draft)."""

from pyfactory.providers import (  # noqa: F401  (registers compilers)
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
