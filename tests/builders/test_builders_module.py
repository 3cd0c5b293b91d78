"""``pyfactory.builders`` names every shipped builder (DESIGN.md §4), and loads the
database ones on first use, so that importing it costs no optional backend.

What a process has imported is only visible in a fresh one: those cases run in a
subprocess.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

import pyfactory.builders
from pyfactory.builders import AsyncSQLAlchemyBuilder, DjangoBuilder, SQLAlchemyBuilder


def python(code: str) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in a fresh interpreter (this one's path), failing on a warning."""
    return subprocess.run(
        [sys.executable, "-W", "error", "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


def test_the_database_builders_import_from_pyfactory_builders() -> None:
    """The short import gives the very classes of the backend modules."""
    import pyfactory.builders.django
    import pyfactory.builders.sqlalchemy

    assert SQLAlchemyBuilder is pyfactory.builders.sqlalchemy.SQLAlchemyBuilder
    assert AsyncSQLAlchemyBuilder is pyfactory.builders.sqlalchemy.AsyncSQLAlchemyBuilder
    assert DjangoBuilder is pyfactory.builders.django.DjangoBuilder


def test_dir_lists_the_database_builders_and_star_import_loads_no_backend() -> None:
    """IDEs and ``dir()`` see the lazily loaded names as well as the eager ones, while
    ``import *`` takes only the eager ones: it must not fail where Django is missing."""
    names = {"SQLAlchemyBuilder", "AsyncSQLAlchemyBuilder", "DjangoBuilder"}
    assert names <= set(dir(pyfactory.builders))
    assert set(pyfactory.builders.__all__) == {
        "BoundRows",
        "DictBuilder",
        "ModelBuilder",
        "ObjectBuilder",
        "Relation",
        "RowBinder",
        "RowStream",
    }


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError) as info:
        pyfactory.builders.Nope
    assert str(info.value) == "module 'pyfactory.builders' has no attribute 'Nope'"
    with pytest.raises(ImportError) as caught:
        from pyfactory.builders import Nope  # type: ignore[attr-defined]  # noqa: F401
    assert str(caught.value).startswith("cannot import name 'Nope' from 'pyfactory.builders'")


def test_each_backend_is_imported_only_when_its_builder_is_used() -> None:
    """``import pyfactory.builders`` loads neither SQLAlchemy nor Django; the SQLAlchemy
    builder then loads SQLAlchemy, and still not Django."""
    result = python("""
        import sys

        def loaded():
            return sorted({m.split('.')[0] for m in sys.modules} & {'sqlalchemy', 'django'})

        import pyfactory, pyfactory.builders
        print(loaded())
        from pyfactory.builders import SQLAlchemyBuilder, AsyncSQLAlchemyBuilder
        print(loaded(), SQLAlchemyBuilder.__module__, AsyncSQLAlchemyBuilder.__name__)
        from pyfactory.builders import DjangoBuilder
        print(loaded(), DjangoBuilder.__module__)
    """)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "[]",
        "['sqlalchemy'] pyfactory.builders.sqlalchemy AsyncSQLAlchemyBuilder",
        "['django', 'sqlalchemy'] pyfactory.builders.django",
    ]


@pytest.mark.parametrize(
    ("name", "blocked", "message"),
    [
        (
            "SQLAlchemyBuilder",
            "sqlalchemy",
            "pyfactory.builders.sqlalchemy needs SQLAlchemy 2: "
            "pip install 'pyfactory-schema[sqlalchemy]'",
        ),
        (
            "AsyncSQLAlchemyBuilder",
            "sqlalchemy",
            "pyfactory.builders.sqlalchemy needs SQLAlchemy 2: "
            "pip install 'pyfactory-schema[sqlalchemy]'",
        ),
        (
            "DjangoBuilder",
            "django",
            "pyfactory.builders.django needs Django: pip install 'pyfactory-schema[django]'",
        ),
    ],
)
def test_a_missing_backend_names_the_extra_to_install(
    name: str, blocked: str, message: str
) -> None:
    """Without the backend installed (a ``None`` entry in sys.modules is how Python
    spells "not importable"), the short import says which extra installs it."""
    result = python(f"""
        import sys
        sys.modules[{blocked!r}] = None
        try:
            from pyfactory.builders import {name}
        except ImportError as error:
            print(type(error).__name__, error, sep=': ')
    """)
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"ImportError: {message}\n"
