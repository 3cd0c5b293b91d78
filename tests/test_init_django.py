"""``pyfactory init --models`` on Django models (``tests/django_app``): factories with
``DjangoBuilder`` that create every model in the test database, and a conftest for
pytest-django; no seeds module, as the seeding runner writes through SQLAlchemy.
"""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest

from pyfactory import Factory, check
from pyfactory.cli import main
from tests.test_init import (
    _generated_modules_forgotten,  # noqa: F401 (autouse)
    init,
    load,
    pyfactory,
)


@pytest.fixture
def written(tmp_path: Path) -> Path:
    out = tmp_path / "django_out"
    init("--models", "tests.django_app.models", "--out", str(out))
    return out


def test_the_command_names_the_check_to_run_next(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """With no seeds module, the check to run is Django's, with its settings."""
    out = tmp_path / "out"
    assert main(["init", "--models", "tests.django_app.models", "--out", str(out)]) == 0
    assert capsys.readouterr().out.splitlines() == [
        f"pyfactory init: wrote {out}/factories.py, {out}/conftest.py",
        f"next: pyfactory check {out}/factories.py --create --settings SETTINGS",
    ]


def test_writes_factories_and_a_conftest(written: Path) -> None:
    """A factory per concrete model, foreign keys as associations, unique fields as
    sequences; the conftest lets every test use the database."""
    assert sorted(p.name for p in written.iterdir()) == ["conftest.py", "factories.py"]
    text = (written / "factories.py").read_text()
    assert "from pyfactory.builders.django import DjangoBuilder\n" in text
    post = text[text.index("class PostFactory") : text.index("class CommentFactory")]
    assert post == textwrap.dedent("""\
        class PostFactory(Factory[Post]):
            _model = Post
            _model_builder = DjangoBuilder()
            _default_schema = "basic"

            @schema(auto=True)
            def basic(self) -> dict[str, Any]:
                return {
                    "author": association(AuthorFactory),
                }


        """)
    assert '"email": sequence("author{n}@example.org"),' in text
    conftest = (written / "conftest.py").read_text()
    assert "register(PostFactory)\n" in conftest
    assert "def _database(db: None) -> None:\n" in conftest


@pytest.mark.django_db
def test_every_factory_creates_in_the_test_database(written: Path) -> None:
    """``check(create=True)`` creates each factory's schema and traits: none fails."""
    module = load(written / "factories.py")
    factories: list[type[Factory[Any]]] = [
        value
        for value in vars(module).values()
        if isinstance(value, type) and issubclass(value, Factory) and value is not Factory
    ]
    assert len(factories) == 16
    assert check(*factories, create=True) == []


def test_pyfactory_check_builds_them(written: Path) -> None:
    """The command line, with ``--settings``, builds every factory."""
    out = pyfactory("check", written / "factories.py", "--settings", "tests.django_settings")
    assert out.strip() == "pyfactory check: 16 builds of 16 factories passed"
