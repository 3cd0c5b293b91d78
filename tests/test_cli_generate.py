"""``pyfactory generate``: the dataset command line, run as a user types it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from examples.ticketing.factories import UserFactory
from pyfactory.cli import main
from pyfactory.dataset import generate, write
from tests.dataset_factories import PersonFactory

TARGET = "examples.ticketing.factories:UserFactory"


def test_dry_run_prints_the_first_rows_as_json_lines(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["generate", f"{TARGET}.basic", "--count", "100", "--seed", "7", "--dry-run"]) == 0
    out = capsys.readouterr().out.splitlines()
    rows = list(generate(UserFactory, "basic", count=5, seed=7))
    assert [json.loads(line) for line in out] == [
        {**row, "id": str(row["id"]), "created_at": str(row["created_at"])} for row in rows
    ]


def test_dry_run_takes_a_count_and_a_start(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["generate", TARGET, "--count", "100", "--seed", "7", "--start", "40", "--dry-run", "2"]
    assert main(argv) == 0
    emails = [json.loads(line)["email"] for line in capsys.readouterr().out.splitlines()]
    assert [e.split("@")[0][-2:] for e in emails] == ["41", "42"]
    # Never more rows than --count.
    assert main(["generate", TARGET, "--count", "1", "--seed", "7", "--dry-run"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 1


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            [
                "generate",
                "examples/ticketing/factories.py:Nope",
                "--count",
                "3",
                "--seed",
                "1",
                "--dry-run",
            ],
            "pyfactory generate: error: examples/ticketing/factories.py:Nope is nothing, not a "
            "Factory class",
        ),
        (
            ["generate", "no.such.module:F", "--count", "3", "--seed", "1", "--dry-run"],
            "pyfactory generate: error: no module named 'no.such.module'",
        ),
        (
            ["generate", f"{TARGET}.nope", "--count", "3", "--seed", "1", "--dry-run"],
            "pyfactory generate: error: UserFactory has no schema 'nope'; its schemas are: basic",
        ),
        (
            ["generate", "examples.ticketing.factories", "--count", "3", "--seed", "1"],
            "pyfactory generate: error: name the factory as MODULE:Factory or "
            "MODULE:Factory.schema, got 'examples.ticketing.factories'",
        ),
        (
            ["generate", TARGET, "--count", "3", "--seed", "1"],
            "pyfactory generate: error: name the file to write with --out PATH, or use --dry-run",
        ),
        (
            ["generate", "examples.ticketing.factories:SIGN_UPS", "--count", "3", "--seed", "1"],
            "examples.ticketing.factories:SIGN_UPS is (datetime.datetime(2024, 9, 2, 0, 0)",
        ),
    ],
)
def test_bad_usage_is_one_line_and_exit_code_2(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err
    assert len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("option", ["--count", "--start", "--workers", "--dry-run"])
def test_bad_numbers_are_refused_by_the_parser(
    option: str, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["generate", TARGET, "--count", "3", "--seed", "1", option, "-1"]
    with pytest.raises(SystemExit) as exited:
        main(argv)
    assert exited.value.code == 2
    assert "must be at least" in capsys.readouterr().err


def test_a_row_that_cannot_be_made_is_one_line_and_exit_code_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    module = tmp_path / "broken_rows.py"
    module.write_text(
        "from pyfactory import Factory, lazy, schema, sequence\n"
        "class Broken(Factory[dict]):\n"
        "    _model = dict\n"
        "    @schema()\n"
        "    def basic(self):\n"
        "        return {'n': sequence(lambda n: n), 'bad': lazy(lambda a: 1 // (a['n'] - 2))}\n"
    )
    argv = ["generate", f"{module}:Broken.basic", "--count", "5", "--seed", "1", "--dry-run"]
    assert main(argv) == 1
    captured = capsys.readouterr()
    assert captured.err == (
        "pyfactory generate: Broken.basic → bad: lazy field raised "
        "ZeroDivisionError('integer division or modulo by zero')\n"
    )
    # Rows are made a chunk at a time: the chunk that failed printed nothing.
    assert captured.out == ""


@pytest.mark.parametrize("workers", ["1", "2"])
def test_out_writes_the_file_with_any_number_of_workers(
    tmp_path: Path, workers: str, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "people.jsonl"
    argv = ["generate", "tests.dataset_factories:PersonFactory.basic", "--count", "30"]
    argv += ["--seed", "3", "--out", str(out), "--workers", workers]
    assert main(argv) == 0
    assert capsys.readouterr().out == (
        f"pyfactory generate: 30 rows of PersonFactory.basic to {out}\n"
    )
    expected = tmp_path / "expected.jsonl"
    write(PersonFactory, "basic", count=30, seed=3, to=expected)
    assert out.read_bytes() == expected.read_bytes()
    assert len(out.read_text().splitlines()) == 30


def test_a_format_it_cannot_write_is_bad_usage(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["generate", TARGET, "--count", "3", "--seed", "1", "--out", str(tmp_path / "x.xlsx")]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("pyfactory generate: error: ")
    assert "x.xlsx" in err
    assert not (tmp_path / "x.xlsx").exists()


def test_format_names_the_format_of_any_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "people.txt"
    argv = ["generate", "tests.dataset_factories:PersonFactory", "--count", "4", "--seed", "3"]
    assert main([*argv, "--out", str(out), "--format", "csv"]) == 0
    assert capsys.readouterr().out.startswith("pyfactory generate: 4 rows of PersonFactory.basic")
    assert len(out.read_text().splitlines()) == 5  # the header and four rows


def test_out_takes_a_database_url_and_shows_it_without_its_password(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from sqlalchemy import create_engine, select

    from tests.dataset_tables import Base, User
    from tests.dataset_tables import UserFactory as TableUsers

    path = tmp_path / "users.db"
    engine = create_engine(f"sqlite:///{path}")
    Base.metadata.create_all(engine)
    argv = ["generate", "tests.dataset_tables:UserFactory", "--count", "12", "--seed", "4"]
    assert main([*argv, "--out", f"sqlite:///{path}", "--workers", "2"]) == 0
    assert capsys.readouterr().out == (
        f"pyfactory generate: 12 rows of UserFactory.basic to sqlite:///{path}\n"
    )
    with engine.connect() as connection:
        emails = connection.execute(select(User.email).order_by(User.id)).scalars().all()
    engine.dispose()
    assert emails == [row["email"] for row in generate(TableUsers, count=12, seed=4)]
    bad = "postgresql://bob:s3cret-pw@127.0.0.1:1/db"
    assert main([*argv, "--out", bad]) == 2
    err = capsys.readouterr().err
    assert err.startswith(
        "pyfactory generate: error: write(UserFactory, ...) to "
        "postgresql+psycopg://bob:***@127.0.0.1:1/db: cannot connect (OperationalError: "
    )
    assert "s3cret-pw" not in err


def test_progress_is_plain_lines_without_rich(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "rich", None)
    out = tmp_path / "people.jsonl"
    argv = ["generate", "tests.dataset_factories:PersonFactory", "--count", "25000"]
    assert main([*argv, "--seed", "1", "--out", str(out), "--progress"]) == 0
    assert capsys.readouterr().err == (
        f"PersonFactory.basic → {out}: 10,000/25,000 rows\n"
        f"PersonFactory.basic → {out}: 20,000/25,000 rows\n"
        f"PersonFactory.basic → {out}: 25,000/25,000 rows\n"
    )


def test_progress_is_a_rich_bar_when_installed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "250")  # room for the label and the count
    out = tmp_path / "people.jsonl"
    argv = ["generate", "tests.dataset_factories:PersonFactory", "--count", "30"]
    assert main([*argv, "--seed", "1", "--out", str(out), "--progress"]) == 0
    err = capsys.readouterr().err
    assert "PersonFactory.basic →" in err
    assert "30/30" in err
    assert main([*argv, "--seed", "1", "--out", str(out), "--no-progress"]) == 0
    assert capsys.readouterr().err == ""
