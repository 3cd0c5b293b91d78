"""Other scalars: the ``UUID``, ``bytes``, IP address and path rules."""

from __future__ import annotations

import ipaddress
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pyfactory.autofill._common import Generator, _draw_bits, _Impossible, _rng
from pyfactory.autofill._spec import _length_bounds, _Spec

if TYPE_CHECKING:
    from faker import Faker

    from pyfactory.autofill._compiler import _Compiler
    from pyfactory.introspect import FieldInfo


#: The bits of a UUID that hold its variant and version.
_UUID_FIXED = (0xC000 << 48) | (0xF000 << 64)


def _uuid_rule(compiler: _Compiler, spec: _Spec, window: Any) -> Generator:
    version = spec.uuid_version
    if version is not None and version != 4:
        if not 1 <= version <= 8:
            raise _Impossible(f"there is no UUID version {version}")
        # Random bits, with the RFC 4122 variant and the version asked for (a pydantic
        # UUID1 or UUID5 checks only these).
        fixed = (0x8000 << 48) | (version << 76)

        def versioned(faker: Faker, field: FieldInfo) -> Any:
            return uuid.UUID(int=(_draw_bits(faker, 128) & ~_UUID_FIXED) | fixed)

        return versioned

    def uuid4(faker: Faker, field: FieldInfo) -> Any:
        # What faker.uuid4() does, without its provider lookup.
        return uuid.UUID(int=_draw_bits(faker, 128), version=4)

    return uuid4


def _bytes_rule(compiler: _Compiler, spec: _Spec, window: Any) -> Generator:
    lo, hi = _length_bounds(spec, 8, 16)
    assert hi is not None
    make = bytearray if isinstance(spec.type, type) and issubclass(spec.type, bytearray) else bytes

    def random_bytes(faker: Faker, field: FieldInfo) -> Any:
        rng = _rng(faker)
        return make(rng.randbytes(rng.randint(lo, hi)))

    return random_bytes


def _ip_rule(compiler: _Compiler, spec: _Spec, window: Any) -> Generator:
    bits = 32 if spec.type is ipaddress.IPv4Address else 128
    make = ipaddress.IPv4Address if bits == 32 else ipaddress.IPv6Address

    def address(faker: Faker, field: FieldInfo) -> Any:
        return make(_draw_bits(faker, bits))

    return address


def _path_rule(compiler: _Compiler, spec: _Spec, window: Any) -> Generator:
    make = spec.type if isinstance(spec.type, type) else Path

    def path(faker: Faker, field: FieldInfo) -> Any:
        return make(faker.file_path())

    return path
