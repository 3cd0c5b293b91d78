"""Fast providers (draft)."""

from pyfactory.providers import (  # noqa: F401  (registers compilers)
    _address,
    _internet,
    _numbers,
    _person,
    _time,
)
from pyfactory.providers._compile import FastProvider, fast_provider

__all__ = ["FastProvider", "fast_provider"]
