"""Starting a process, or checking a file, that cannot be served: one clear line, never a
traceback.

``muster config check`` prints every error of a hostile file and exits 1. ``muster worker`` and
``muster web`` started on an invalid file with no last good config in the database exit 1 with
one line naming the file's first error (with one stored, they page with it:
``tests/integration/test_last_good_processes.py``).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner, Result

from muster.worker.cli import cli
from muster.worker.runtime import install
from tests.harness.configs import minimal_document
from tests.harness.hostile_yaml import alias_bomb
from tests.harness.muster_processes import muster_run

pytestmark = pytest.mark.wallclock  # config check lints "now", on the real clock

GOOD = yaml.safe_dump(minimal_document(), sort_keys=False)
IMPOSSIBLE_DATE = GOOD.replace("'2026-01-05'", "2026-13-45")


@pytest.fixture(autouse=True)
def fresh_runtime() -> Iterator[None]:
    install(None)
    yield
    install(None)


def run(*args: str, config: Path, home: Path) -> Result:
    env = {
        "MUSTER_CONFIG": str(config),
        "MUSTER_HOME": str(home),
        "MUSTER_DATABASE_URL": f"sqlite:///{home / 'muster.db'}",
        "MUSTER_BROKER_URL": None,
    }
    return CliRunner().invoke(cli, list(args), env=env)


def start(*args: str, config: Path, home: Path) -> Result:
    """``muster ARGS`` as a process of its own: a worker or web configures the process's
    logging, which in-process would leave every later test logging into this one's stream."""
    env = {
        **os.environ,
        "MUSTER_CONFIG": str(config),
        "MUSTER_HOME": str(home),
        "MUSTER_DATABASE_URL": f"sqlite:///{home / 'muster.db'}",
    }
    env.pop("MUSTER_BROKER_URL", None)
    done = muster_run(env, *args)
    return Result(
        runner=CliRunner(),
        stdout_bytes=done.stdout.encode(),
        stderr_bytes=done.stderr.encode(),
        output_bytes=(done.stdout + done.stderr).encode(),
        return_value=None,
        exit_code=done.returncode,
        exception=None,
    )


def assert_one_clear_line(result: Result, *says: str) -> None:
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output + result.stderr
    assert not isinstance(result.exception, Exception) or isinstance(
        result.exception, SystemExit
    ), repr(result.exception)
    for text in says:
        assert text in result.stderr, result.stderr


class TestConfigCheck:
    """``config check`` refuses each hostile file with its errors, exit 1, no traceback."""

    @pytest.mark.parametrize(
        ("text", "says"),
        [
            (IMPOSSIBLE_DATE, "rotations.commanders.start"),
            (GOOD + alias_bomb(9), "aliases (*name) expand to more than 100,000 values"),
            (GOOD.replace("'2026-01-05'", "9999-12-31"), "between the years 1900 and 9000"),
            (
                GOOD + "intake:\n  rules:\n  - {match_re: {team: '(?<=db)x'}, impact: major}\n",
                "'(?<=db)x' is not a regular expression RE2 runs",
            ),
        ],
    )
    def test_hostile_file(
        self, write_config: Callable[..., Path], tmp_path: Path, text: str, says: str
    ) -> None:
        result = run("config", "check", str(write_config(text)), config=tmp_path, home=tmp_path)
        assert_one_clear_line(result, says, "invalid, 1 error")


class TestProcessesWithNothingToServe:
    """No valid file, no last good config: one line, exit 1."""

    def test_worker(self, write_config: Callable[..., Path], tmp_path: Path) -> None:
        path = write_config(IMPOSSIBLE_DATE)
        result = start("worker", config=path, home=tmp_path)
        assert_one_clear_line(
            result,
            f"muster worker: cannot start: {path}: invalid (1 error, first: {path}:",
            "no last good config is kept in the database",
        )
        assert result.stderr.strip().splitlines()[-1].startswith("muster worker: cannot start")

    @pytest.mark.parametrize("workers", ["1", "2"])
    def test_web(self, write_config: Callable[..., Path], tmp_path: Path, workers: str) -> None:
        path = write_config(IMPOSSIBLE_DATE)
        result = start("web", "--port", "1", "--workers", workers, config=path, home=tmp_path)
        assert_one_clear_line(result, "muster web: cannot start:", "rotations.commanders.start")
