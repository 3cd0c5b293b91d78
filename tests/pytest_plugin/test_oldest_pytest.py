"""The plugin on the oldest pytest it supports (8.0), in a virtual environment of its own.

The suite itself runs on the installed (newest) pytest. This test makes a venv without
the system's packages, installs pytest 8.0 and what the plugin's tests need (from
pip's cache when it has them), puts this checkout on ``PYTHONPATH`` and runs the
plugin's fixture-table tests there: ``test_fixtures.py`` and ``test_register.py``.
When the suite measures coverage, the run there is measured too (same coverage
version, a parallel data file that pytest-cov combines), so the lines for pytest 8.0
in ``pyfactory/pytest/_fixtures.py`` count as the tested lines they are.
"""

from __future__ import annotations

import os
import subprocess
import venv
from pathlib import Path

import coverage
import pytest

ROOT = Path(__file__).resolve().parents[2]
OLDEST = "pytest==8.0.*"
#: What the plugin's tests import besides pytest, as their own tests install it.
NEEDS = ["sqlalchemy[asyncio]", "aiosqlite", "faker", "attrs", "hypothesis"]
#: pytest-asyncio 0.24 is the oldest that reads ``asyncio_default_fixture_loop_scope``,
#: which the tests' own sessions set; it declares pytest>=8.2 yet runs what the plugin
#: uses on 8.0, so it goes in without its dependencies.
ASYNCIO = "pytest-asyncio==0.24.*"
FILES = ["tests/pytest_plugin/test_fixtures.py", "tests/pytest_plugin/test_register.py"]
#: Left out: the pytest-xdist sessions (a third of the time, and pytest-xdist to
#: install) look fixtures up as the in-process ones do.
DESELECT = ["-m", "not slow", "-k", "not TestXdist"]
INI = """\
[pytest]
addopts = -p pytester -p no:cacheprovider
filterwarnings = error
asyncio_mode = auto
asyncio_default_fixture_loop_scope = function
markers =
    slow: runs an outside tool
"""


def pip(python: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [str(python), "-m", "pip", "--disable-pip-version-check", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)


@pytest.mark.slow
def test_plugin_on_the_oldest_pytest(tmp_path: Path) -> None:
    """The plugin's fixture-table tests pass on pytest 8.0."""
    venv.create(tmp_path / "venv", with_pip=True)
    python = tmp_path / "venv" / "bin" / "python"
    # A quick look at the package index first: without it, say so and skip.
    probe = pip(python, "download", "--no-deps", "-d", str(tmp_path / "probe"), OLDEST)
    if probe.returncode != 0:
        last = (probe.stderr.strip().splitlines() or ["no output"])[-1]
        pytest.skip(f"cannot install {OLDEST} here, no package index is reachable: {last}")
    # --no-compile: of the thousands of modules (Faker's locales), the run imports few;
    # it compiles those, rather than pip compiling them all.
    installed = pip(
        python, "install", "--no-compile", OLDEST, *NEEDS, f"coverage=={coverage.__version__}"
    )
    assert installed.returncode == 0, installed.stdout + installed.stderr
    installed = pip(python, "install", "--no-compile", "--no-deps", ASYNCIO)
    assert installed.returncode == 0, installed.stdout + installed.stderr
    (tmp_path / "pytest.ini").write_text(INI)

    # The plugins are named in PYTEST_PLUGINS, with no entry point loaded: the
    # checkout's own egg-info (after ``pip install -e .``) would register pyfactory's
    # a second time.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "COV_CORE_"))}
    env.update(
        PYTHONPATH=str(ROOT),
        PYTEST_DISABLE_PLUGIN_AUTOLOAD="1",
        PYTEST_PLUGINS="pyfactory.pytest,pytest_asyncio.plugin",
    )
    command = [str(python)]
    measuring = coverage.Coverage.current()
    if measuring is not None:
        data_file = os.path.abspath(measuring.config.data_file)
        rcfile = str(ROOT / "pyproject.toml")
        command += ["-m", "coverage", "run", "--parallel-mode", f"--rcfile={rcfile}"]
        command += [f"--data-file={data_file}"]
    command += ["-m", "pytest", "-q", "-c", str(tmp_path / "pytest.ini"), f"--rootdir={ROOT}"]
    command += [*DESELECT, *FILES]
    result = subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert " passed" in output, output
    version = subprocess.run(
        [str(python), "-c", "import pytest; print(pytest.__version__)"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert version.stdout.startswith("8.0."), version.stdout
