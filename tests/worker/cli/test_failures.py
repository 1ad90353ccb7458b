"""Every database or broker failure of a CLI command is one line naming what failed and what to
do, with an exit status per class (3: the database, 4: the broker), never a traceback; commands
that only read never take SQLite's write lock."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from muster.channels.retry import RetryPolicy
from muster.worker.cli import cli
from muster.worker.cli.failures import BAD_INPUT, BROKER_UNAVAILABLE, DATABASE_UNAVAILABLE
from muster.worker.incidents.dead_letters import dead_letter
from muster.worker.tasks.names import DECLARED
from tests.harness.configs import DEMO
from tests.harness.runtimes import stub_runtime

UNREACHABLE_POSTGRES = "postgresql+psycopg://muster:hunter2-secret@127.0.0.1:1/muster"


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {
        "MUSTER_HOME": str(tmp_path),
        "MUSTER_DATABASE_URL": f"sqlite:///{tmp_path / 'muster.db'}",
        "MUSTER_CONFIG": str(DEMO),
        "MUSTER_PUBLISH_TIMEOUT": "1",
    }


def run(env: dict[str, str], *args: str) -> Result:
    return CliRunner().invoke(cli, list(args), env=env)


def assert_one_line(result: Result, status: int, *needles: str) -> None:
    assert result.exit_code == status, result.output
    assert isinstance(result.exception, SystemExit), result.exception
    # The worker's and beat's JSON log events aside (they log as they start), one line.
    lines = [line for line in result.stderr.strip().splitlines() if not line.startswith("{")]
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.output
    for needle in needles:
        assert needle in lines[0]


@pytest.fixture
def corrupt(env: dict[str, str], tmp_path: Path) -> dict[str, str]:
    (tmp_path / "muster.db").write_bytes(b"this is not a database, just garbage\n" * 200)
    return env


@pytest.mark.parametrize(
    "args",
    [
        ["timeline", "inc-1"],
        ["dead-letters", "list"],
        ["dead-letters", "replay", "1"],
        ["dead-letters", "discard", "1"],
        ["db", "upgrade"],
    ],
    ids=" ".join,
)
def test_a_corrupt_database_file_is_one_line_and_exit_3(
    corrupt: dict[str, str], args: list[str]
) -> None:
    assert_one_line(run(corrupt, *args), DATABASE_UNAVAILABLE, "database")


@pytest.mark.parametrize(
    "args",
    [["timeline", "inc-1"], ["dead-letters", "list"], ["worker"]],
    ids=" ".join,
)
def test_an_unreachable_database_is_one_line_and_exit_3_without_its_password(
    env: dict[str, str], args: list[str]
) -> None:
    result = run({**env, "MUSTER_DATABASE_URL": UNREACHABLE_POSTGRES}, *args)
    assert_one_line(result, DATABASE_UNAVAILABLE, "database", "MUSTER_DATABASE_URL")
    assert "hunter2" not in result.output


def test_a_read_finds_no_database_file_without_making_one(
    env: dict[str, str], tmp_path: Path
) -> None:
    assert_one_line(run(env, "dead-letters", "list"), DATABASE_UNAVAILABLE, "no database")
    assert not (tmp_path / "muster.db").exists()


@pytest.fixture
def letter(env: dict[str, str], tmp_path: Path) -> Iterator[int]:
    with stub_runtime(env["MUSTER_DATABASE_URL"], tmp_path, RetryPolicy()) as rt:
        yield dead_letter(rt, DECLARED, {"title": "x"}, "services: Field required", "m-1")


@pytest.mark.parametrize(
    "broker",
    ["redis://:s3cret-pass@127.0.0.1:1/0", "nosuchtransport://127.0.0.1/", "amqp://[::1"],
    ids=["unreachable", "unknown-scheme", "malformed"],
)
def test_replay_with_an_unusable_broker_is_one_line_and_exit_4(
    env: dict[str, str], letter: int, broker: str
) -> None:
    result = run({**env, "MUSTER_BROKER_URL": broker}, "dead-letters", "replay", str(letter))
    assert_one_line(result, BROKER_UNAVAILABLE, "broker", "MUSTER_BROKER_URL")
    assert "s3cret" not in result.output
    listed = run(env, "dead-letters", "list")
    assert "replayed" not in listed.output  # nothing was queued, so it is still to replay


@pytest.mark.parametrize("command", ["worker", "beat"])
@pytest.mark.parametrize("broker", ["nosuchtransport://127.0.0.1/", "amqp://[::1"])
def test_worker_and_beat_refuse_a_broker_url_no_transport_takes(
    env: dict[str, str], command: str, broker: str
) -> None:
    """Celery would die of it with a traceback; an unreachable broker is waited for instead."""
    result = run({**env, "MUSTER_BROKER_URL": broker}, command)
    assert_one_line(result, BROKER_UNAVAILABLE, "broker URL is unusable", "MUSTER_BROKER_URL")


def test_declare_with_an_unreachable_broker_is_exit_4(env: dict[str, str]) -> None:
    result = run(
        {**env, "MUSTER_BROKER_URL": "redis://127.0.0.1:1/0"},
        *("declare", "--title", "API down", "--impact", "critical", "--urgency", "high"),
        *("--service", "payments-api"),
    )
    assert_one_line(result, BROKER_UNAVAILABLE, "broker", "nothing was queued")


def test_reads_answer_at_once_while_another_process_holds_the_write_lock(
    env: dict[str, str], letter: int, tmp_path: Path
) -> None:
    """A writer mid-transaction (the worker) must not make ``timeline`` or ``dead-letters
    list`` wait for SQLite's write lock (31 s, then a traceback)."""
    writer = sqlite3.connect(tmp_path / "muster.db", isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    try:
        started = time.monotonic()
        listed = run(env, "dead-letters", "list")
        unknown = run(env, "timeline", "inc-none")
        elapsed = time.monotonic() - started
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    assert listed.exit_code == 0, listed.output
    assert f"#{letter}" in listed.output
    assert unknown.exit_code == 2
    assert "no incident 'inc-none'" in unknown.output
    assert elapsed < 5


def test_the_incident_check_of_a_producer_command_answers_while_the_lock_is_held(
    env: dict[str, str], letter: int, tmp_path: Path
) -> None:
    writer = sqlite3.connect(tmp_path / "muster.db", isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    try:
        started = time.monotonic()
        result = run({**env, "MUSTER_INCIDENT_WAIT": "0"}, "resolve", "inc-none")
        elapsed = time.monotonic() - started
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    assert result.exit_code == 1, result.output
    assert "unknown incident 'inc-none'" in result.stderr
    assert elapsed < 5


@pytest.mark.parametrize(
    "args",
    [
        ("declare", "--title", "t", "--impact", "major", "--urgency", "medium", "--service", "x"),
        ("timeline", "inc-1"),
        ("dead-letters", "list"),
    ],
)
def test_a_setting_the_environment_gets_wrong_is_one_line_naming_it(
    env: dict[str, str], args: tuple[str, ...]
) -> None:
    env["MUSTER_INCIDENT_WAIT"] = "hunter2-not-a-number"
    result = run(env, *args)
    assert_one_line(result, BAD_INPUT, "MUSTER_INCIDENT_WAIT", "invalid settings")
    assert "hunter2" not in result.output
