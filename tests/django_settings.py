"""Django settings for the DjangoBuilder tests (``DJANGO_SETTINGS_MODULE`` in pyproject).

``default`` is SQLite; its test database is a file in the temporary directory, so
that the threads of ``sync_to_async`` (the async tests) share it. When
``PYFACTORY_TEST_POSTGRES_URL`` is set (``bash .ci/run`` sets it), a second alias,
``postgres``, points at that server; Django's test runner creates and drops its own
``test_...`` database there.
"""

from __future__ import annotations

import os
import tempfile
from urllib.parse import unquote, urlsplit

POSTGRES_ENV = "PYFACTORY_TEST_POSTGRES_URL"

SECRET_KEY = "pyfactory-tests-only"
USE_TZ = True
INSTALLED_APPS = ["tests.django_app"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The process id keeps concurrent runs (and their leftovers) apart.
_RUN = f"pyfactory_{os.getpid()}"

DATABASES: dict[str, dict[str, object]] = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.path.join(tempfile.gettempdir(), f"{_RUN}.sqlite3"),
        "TEST": {"NAME": os.path.join(tempfile.gettempdir(), f"test_{_RUN}.sqlite3")},
    }
}


def _postgres(url: str) -> dict[str, object]:
    """A DATABASES entry for a ``postgresql://user:password@host:port/name`` URL."""
    parts = urlsplit(url)
    name = unquote(parts.path.lstrip("/")) or "postgres"
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": name,
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": parts.hostname or "",
        "PORT": str(parts.port or ""),
        "TEST": {"NAME": f"test_{_RUN}"},
    }


_postgres_url = os.environ.get(POSTGRES_ENV, "").strip()
if _postgres_url:
    DATABASES["postgres"] = _postgres(_postgres_url)
