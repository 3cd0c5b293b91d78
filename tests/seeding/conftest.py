"""The seeding tests run on the databases of tests/plugins/databases.py (a SQLite file
and PostgreSQL, sync and async), with the shop's tables."""

from __future__ import annotations

import pytest
from sqlalchemy import MetaData

from tests.seeding import shop


@pytest.fixture
def db_metadata() -> MetaData:
    """The shop's tables, for ``engine`` and ``async_engine``."""
    return shop.Base.metadata
