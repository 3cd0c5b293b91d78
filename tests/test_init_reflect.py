"""``pyfactory init --url``: an existing database, made with raw SQL (foreign keys,
unique and CHECK constraints, a self-reference, a type SQLAlchemy does not know),
reflected into models, then factories, seeds and a conftest that pass ``pyfactory
check --create`` on that same database, SQLite file and PostgreSQL; and the errors of
a URL, which never show its password.
"""

from __future__ import annotations

import sqlite3
import textwrap
from pathlib import Path

import pytest
from sqlalchemy import create_engine, make_url, text

from pyfactory._adopt.errors import (
    DatabaseUnreachableError,
    NoModelsError,
    UnsupportedDatabaseError,
)
from pyfactory.cli import main
from tests.test_init import (
    _generated_modules_forgotten,  # noqa: F401 (autouse)
    check_as_written,
    init,
    load,
    pyfactory,
    run_pytest,
)

SQLITE_TABLES = """
CREATE TABLE customer (
    id INTEGER PRIMARY KEY,
    email VARCHAR(120) NOT NULL UNIQUE,
    full_name VARCHAR(80) NOT NULL,
    credit INTEGER NOT NULL CHECK (credit >= 0),
    shape NOT NULL
);
CREATE TABLE category (
    id INTEGER PRIMARY KEY,
    name VARCHAR(40) NOT NULL UNIQUE,
    parent_id INTEGER REFERENCES category (id)
);
CREATE TABLE product (
    sku VARCHAR(12) PRIMARY KEY,
    category_id INTEGER NOT NULL REFERENCES category (id),
    price NUMERIC(8, 2) NOT NULL CHECK (price > 0),
    starts DATE NOT NULL,
    ends DATE NOT NULL,
    CHECK (ends > starts)
);
CREATE TABLE order_line (
    id INTEGER PRIMARY KEY,
    customer_id INTEGER NOT NULL REFERENCES customer (id),
    product_sku VARCHAR(12) NOT NULL REFERENCES product (sku),
    quantity SMALLINT NOT NULL CHECK (quantity BETWEEN 1 AND 99),
    UNIQUE (customer_id, product_sku)
);
CREATE TABLE shipment (
    id INTEGER PRIMARY KEY,
    "class" VARCHAR(10) NOT NULL,
    "2nd name" TEXT,
    customer_id INTEGER NOT NULL,
    product_sku VARCHAR(12) NOT NULL,
    FOREIGN KEY (customer_id, product_sku) REFERENCES order_line (customer_id, product_sku)
);
CREATE UNIQUE INDEX shipment_once ON shipment (customer_id, product_sku);
CREATE TABLE base (id INTEGER PRIMARY KEY);
CREATE TABLE audit (at TIMESTAMP, what TEXT);
"""


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    """A SQLite file with the shop's tables, made by raw SQL as an app's own
    migrations would."""
    database = tmp_path / "shop.sqlite3"
    with sqlite3.connect(database) as db:
        db.executescript(SQLITE_TABLES)
    db.close()
    return database


class TestSQLite:
    """A SQLite file: reflected, then checked and seeded in place."""

    def test_the_models_mirror_the_tables(self, shop: Path, tmp_path: Path) -> None:
        """One class per table with a primary key, typed columns, the constraints the
        factories read; the table without a key is named in the docstring."""
        out = tmp_path / "out"
        written = init("--url", f"sqlite:///{shop}", "--out", str(out))
        assert [p.name for p in written] == [
            "models.py",
            "factories.py",
            "seeds.py",
            "conftest.py",
        ]
        source = (out / "models.py").read_text()
        assert "Not mapped, for want of a primary key: audit." in source
        assert (
            textwrap.dedent("""\
            class OrderLine(Base):
                __tablename__ = "order_line"
                __table_args__ = (
                    UniqueConstraint("customer_id", "product_sku"),
                    CheckConstraint("quantity BETWEEN 1 AND 99"),
                )

                id: Mapped[int] = mapped_column(primary_key=True)
                customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"))
                product_sku: Mapped[str] = mapped_column(String(12), ForeignKey("product.sku"))
                quantity: Mapped[int] = mapped_column(SmallInteger)
            """)
            in source
        )
        assert "    shape: Mapped[Any]\n" in source
        assert "    type_annotation_map = {Any: NullType}\n" in source
        # Names that Python or the declarative base would not take, and what SQLite
        # keeps of a composite key and of a unique index.
        assert (
            textwrap.dedent("""\
            class Base_(Base):
                __tablename__ = "base"
            """)
            in source
        )
        assert (
            textwrap.dedent("""\
            class Shipment(Base):
                __tablename__ = "shipment"
                __table_args__ = (
                    UniqueConstraint("customer_id", "product_sku", name="shipment_once"),
                    ForeignKeyConstraint(
                        ["customer_id", "product_sku"],
                        ["order_line.customer_id", "order_line.product_sku"],
                    ),
                )

                id: Mapped[int] = mapped_column(primary_key=True)
                class_: Mapped[str] = mapped_column("class", String(10))
                c_2nd_name: Mapped[str | None] = mapped_column("2nd name", Text)
                customer_id: Mapped[int]
                product_sku: Mapped[str] = mapped_column(String(12))
            """)
            in source
        )
        assert "    parent_id: Mapped[int | None] = mapped_column(ForeignKey(" in source

    def test_the_factories_say_what_auto_fill_cannot(self, shop: Path, tmp_path: Path) -> None:
        """A column of unknown type is a comment; a key column is an association to
        the referenced column; a nullable self-reference is a trait."""
        out = tmp_path / "out"
        init("--url", f"sqlite:///{shop}", "--out", str(out))
        factories = (out / "factories.py").read_text()
        assert "            # shape: its column type has no Python type, so auto-fill" in factories
        assert '            # "shape": ...,\n' in factories
        assert '"product_sku": association(ProductFactory).attribute("sku"),' in factories
        assert '"parent_id": association(CategoryFactory).attribute("id"),' in factories
        assert '"sku": sequence("product{n}"),' in factories

    def test_check_create_and_the_seeds_pass_on_the_database(
        self, shop: Path, tmp_path: Path
    ) -> None:
        """``pyfactory check --create`` on the reflected database passes; the seeds
        write rows that keep every constraint, and skip the second time."""
        out = tmp_path / "out"
        url = f"sqlite:///{shop}"
        init("--url", url, "--out", str(out))
        checked = pyfactory("check", out / "factories.py", "--create", "--url", url)
        assert checked.strip() == "pyfactory check: 7 creates of 6 factories passed"
        seeded = pyfactory("seed", out / "seeds.py", "--url", url)
        assert "6 seeds: 6 ran, 0 skipped;" in seeded
        again = pyfactory("seed", out / "seeds.py", "--url", url)
        assert "6 seeds: 0 ran, 6 skipped" in again
        with sqlite3.connect(shop) as db:
            lines = db.execute("SELECT quantity FROM order_line").fetchall()
            assert all(1 <= quantity <= 99 for (quantity,) in lines)
        db.close()

    def test_the_models_load_and_make_rows(self, shop: Path, tmp_path: Path) -> None:
        """The generated models are ordinary SQLAlchemy classes."""
        out = tmp_path / "out"
        init("--url", f"sqlite:///{shop}", "--out", str(out))
        reflected = load(out / "models.py")
        assert reflected.OrderLine.__table__.c.quantity.type.__class__.__name__ == "SmallInteger"
        assert reflected.Category.__table__.c.parent_id.nullable

    @pytest.mark.slow
    def test_the_files_pass_ruff_format_and_mypy_strict(
        self, shop: Path, tmp_path: Path, mypy_cache: Path
    ) -> None:
        """As written, the models module too."""
        out = tmp_path / "out"
        init("--url", f"sqlite:///{shop}", "--out", str(out))
        check_as_written(out, mypy_cache)

    def test_a_database_without_tables(self, tmp_path: Path) -> None:
        """Nothing to map: an error naming the database."""
        empty = tmp_path / "empty.sqlite3"
        sqlite3.connect(empty).close()
        with pytest.raises(NoModelsError, match="no table with a primary key in sqlite:///"):
            init("--url", f"sqlite:///{empty}", "--out", str(tmp_path / "out"))
        assert not (tmp_path / "out").exists()


POSTGRES_TABLES = """
CREATE SCHEMA shop;
CREATE TYPE shop.status AS ENUM ('new', 'paid', 'shipped');
CREATE TABLE shop.customer (
    id serial PRIMARY KEY,
    email varchar(120) NOT NULL UNIQUE,
    full_name varchar(80) NOT NULL,
    credit integer NOT NULL CHECK (credit >= 0),
    joined timestamptz NOT NULL DEFAULT now(),
    ip inet,
    prefs jsonb,
    tags text[]
);
CREATE TABLE shop.category (
    id serial PRIMARY KEY,
    name varchar(40) NOT NULL UNIQUE,
    parent_id integer REFERENCES shop.category (id)
);
CREATE TABLE shop.product (
    sku varchar(12) PRIMARY KEY,
    category_id integer NOT NULL REFERENCES shop.category (id),
    price numeric(8, 2) NOT NULL CHECK (price > 0),
    starts date NOT NULL,
    ends date NOT NULL,
    CHECK (ends > starts)
);
CREATE TABLE shop."order" (
    id bigserial PRIMARY KEY,
    number integer GENERATED ALWAYS AS IDENTITY,
    customer_id integer NOT NULL REFERENCES shop.customer (id),
    status shop.status NOT NULL,
    placed_at timestamp NOT NULL,
    placed_on date GENERATED ALWAYS AS (placed_at::date) STORED
);
CREATE TABLE shop.order_line (
    id serial PRIMARY KEY,
    order_id bigint NOT NULL REFERENCES shop."order" (id),
    product_sku varchar(12) NOT NULL REFERENCES shop.product (sku),
    quantity smallint NOT NULL CHECK (quantity BETWEEN 1 AND 99),
    UNIQUE (order_id, product_sku)
);
"""


@pytest.fixture
def postgres_shop(postgres_database_url: str) -> str:
    """The test's own PostgreSQL database, with the shop's tables in schema ``shop``;
    its SQLAlchemy URL (psycopg 3)."""
    url = make_url(postgres_database_url).set(drivername="postgresql+psycopg")
    rendered = url.render_as_string(hide_password=False)
    engine = create_engine(rendered)
    with engine.begin() as connection:
        connection.execute(text(POSTGRES_TABLES))
    engine.dispose()
    return rendered


class TestPostgreSQL:
    """A PostgreSQL database, its tables in a schema of their own."""

    def test_reflected_then_check_create_passes(self, postgres_shop: str, tmp_path: Path) -> None:
        """Dialect types (enum, timestamptz, jsonb, arrays, inet) become typed
        columns; ``pyfactory check --create`` on that database passes."""
        out = tmp_path / "out"
        init("--url", postgres_shop, "--schema", "shop", "--out", str(out))
        source = (out / "models.py").read_text()
        assert (
            textwrap.dedent("""\
            class Order(Base):
                __tablename__ = "order"
                __table_args__ = ({"schema": "shop"},)

                id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
                number: Mapped[int] = mapped_column(Identity(always=True))
                customer_id: Mapped[int] = mapped_column(ForeignKey("shop.customer.id"))
                status: Mapped[str] = mapped_column(
                    Enum("new", "paid", "shipped", name="status", schema="shop")
                )
                placed_at: Mapped[datetime.datetime]
                placed_on: Mapped[datetime.date | None] = mapped_column(
                    Computed("(placed_at)::date", persisted=True)
                )
            """)
            in source
        )
        columns = textwrap.dedent("""\
            joined: Mapped[datetime.datetime] = mapped_column(
                DateTime(timezone=True), server_default=text("now()")
            )
            ip: Mapped[Any | None] = mapped_column(INET())
            prefs: Mapped[dict[str, Any] | None] = mapped_column(JSON)
            tags: Mapped[list[str] | None] = mapped_column(ARRAY(Text))
        """)
        assert textwrap.indent(columns, "    ") in source
        checked = pyfactory("check", out / "factories.py", "--create", "--url", postgres_shop)
        assert checked.strip() == "pyfactory check: 6 creates of 5 factories passed"

    def test_the_seeds_fill_the_database(self, postgres_shop: str, tmp_path: Path) -> None:
        """Five rows a table, in the order of the foreign keys."""
        out = tmp_path / "out"
        init("--url", postgres_shop, "--schema", "shop", "--out", str(out))
        seeded = pyfactory("seed", out / "seeds.py", "--url", postgres_shop)
        assert "5 seeds: 5 ran, 0 skipped; 25 rows in 5 tables" in seeded

    def test_the_conftest_runs_tests_on_the_database(
        self, postgres_shop: str, tmp_path: Path
    ) -> None:
        """With ``TEST_DATABASE_URL``, the generated fixtures write to that database,
        each test in a transaction rolled back."""
        out = tmp_path / "out"
        init("--url", postgres_shop, "--schema", "shop", "--out", str(out))
        (out / "test_lines.py").write_text(
            textwrap.dedent("""\
                from sqlalchemy import func, select

                from models import OrderLine


                def test_a_line(order_line, db_session):
                    assert 1 <= order_line.quantity <= 99
                    assert db_session.scalar(select(func.count()).select_from(OrderLine)) == 1


                def test_none_left(db_session):
                    assert db_session.scalar(select(func.count()).select_from(OrderLine)) == 0
            """)
        )
        result = run_pytest(out, env={"TEST_DATABASE_URL": postgres_shop})
        assert "2 passed" in result.stdout

    @pytest.mark.slow
    def test_the_files_pass_ruff_format_and_mypy_strict(
        self, postgres_shop: str, tmp_path: Path, mypy_cache: Path
    ) -> None:
        """The reflected models and the modules beside them, as written."""
        out = tmp_path / "out"
        init("--url", postgres_shop, "--schema", "shop", "--out", str(out))
        check_as_written(out, mypy_cache)


class TestURLErrors:
    """A URL that cannot be read: the error's class, and never its password."""

    def test_an_unreachable_database(
        self, capsys: pytest.CaptureFixture[str], tmp_path: Path
    ) -> None:
        """The URL shown without its password, the driver's reason, exit code 1."""
        url = "postgresql+psycopg://ann:s3cr3t-pw@127.0.0.1:1/nowhere"
        with pytest.raises(DatabaseUnreachableError) as raised:
            init("--url", url, "--out", str(tmp_path))
        message = str(raised.value)
        assert message.startswith(
            "cannot read the tables of 'postgresql+psycopg://ann:***@127.0.0.1:1/nowhere': "
            "OperationalError: "
        )
        assert "s3cr3t" not in message
        assert main(["init", "--url", url, "--out", str(tmp_path)]) == 1
        captured = capsys.readouterr()
        assert captured.err.startswith("pyfactory init: cannot read the tables of")
        assert "s3cr3t" not in captured.out + captured.err

    def test_an_unknown_dialect(self, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
        """A dialect SQLAlchemy cannot load: a usage error, exit code 2."""
        url = "nosuchdb://ann:s3cr3t-pw@localhost/x"
        with pytest.raises(UnsupportedDatabaseError) as raised:
            init("--url", url, "--out", str(tmp_path))
        assert str(raised.value) == (
            "cannot use the URL 'nosuchdb://ann:***@localhost/x': NoSuchModuleError: Can't "
            "load plugin: sqlalchemy.dialects:nosuchdb; pyfactory init reflects through a "
            "synchronous SQLAlchemy driver that is installed"
        )
        assert main(["init", "--url", url, "--out", str(tmp_path)]) == 2
        assert "s3cr3t" not in capsys.readouterr().err

    def test_an_async_driver(self, tmp_path: Path) -> None:
        """Reflection is synchronous: the message says which URL to give instead."""
        with pytest.raises(UnsupportedDatabaseError) as raised:
            init("--url", f"sqlite+aiosqlite:///{tmp_path}/x.sqlite3", "--out", str(tmp_path))
        assert str(raised.value) == (
            f"the URL 'sqlite+aiosqlite:///{tmp_path}/x.sqlite3' names an async driver; "
            "pyfactory init reflects through a synchronous one: give its synchronous URL "
            "(sqlite://, postgresql+psycopg://)"
        )
        assert not (tmp_path / "x.sqlite3").exists()

    def test_not_a_url(self, tmp_path: Path) -> None:
        """Text that SQLAlchemy cannot read as a URL is not echoed: where its password
        is, no rule can tell."""
        with pytest.raises(UnsupportedDatabaseError) as raised:
            init("--url", "ann:s3cr3t-pw@localhost", "--out", str(tmp_path))
        assert str(raised.value) == (
            "--url is not a database URL that SQLAlchemy reads: write it as "
            "dialect+driver://user:password@host/database"
        )
