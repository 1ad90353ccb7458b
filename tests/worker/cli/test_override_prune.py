"""``muster override prune``: ended overrides move from the overrides file to the database's
history, and past shifts (``muster oncall``, ``muster calendar export``) still show them."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from muster.config.overrides_file import overrides_path
from muster.config.overrides_store import locked, read_entries
from muster.worker.cli import cli
from tests.harness.configs import DEMO
from tests.harness.pruned_overrides import entry, history, hour, worker_env, write_overrides
from tests.harness.reaper import guard
from tests.harness.servers import scratch_database

# What has ended is judged against now: these read the real clock.
pytestmark = pytest.mark.wallclock

OLD = entry("ov-old", hour(-24 * 40), hour(-24 * 40 + 6))  # ended 40 days ago
RECENT = entry("ov-recent", hour(-48), hour(-42))  # ended two days ago
COMING = entry("ov-coming", hour(24), hour(30))


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "routing.yaml"
    shutil.copy(DEMO, path)
    write_overrides(path, OLD, RECENT, COMING)
    return path


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return worker_env(tmp_path)


def run(config: Path, env: dict[str, str], *args: str) -> Any:
    return CliRunner().invoke(cli, [*args, "--config", str(config)], env=env)


def in_file(config: Path) -> list[str]:
    return [e["id"] for e in read_entries(overrides_path(config))]


def test_prune_moves_what_ended_over_30_days_ago_to_the_history(
    config: Path, env: dict[str, str]
) -> None:
    result = run(config, env, "override", "prune")

    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines()[0].startswith("pruned ov-old  support-leads: dmitri")
    assert len(result.stderr.splitlines()) == 1
    assert in_file(config) == ["ov-recent", "ov-coming"]
    assert history(env) == ["ov-old"]


def test_ended_before_chooses_the_cut(config: Path, env: dict[str, str]) -> None:
    result = run(config, env, "override", "prune", "--ended-before", "1d")

    assert result.exit_code == 0, result.output
    assert in_file(config) == ["ov-coming"]
    assert history(env) == ["ov-old", "ov-recent"]


def test_a_second_run_prunes_nothing_and_records_nothing_twice(
    config: Path, env: dict[str, str]
) -> None:
    run(config, env, "override", "prune", "--ended-before", "1d")
    again = run(config, env, "override", "prune", "--ended-before", "1d")

    assert again.exit_code == 0, again.output
    assert again.stderr == ""
    assert history(env) == ["ov-old", "ov-recent"]


def test_a_run_after_one_that_failed_past_the_history_records_nothing_twice(
    config: Path, env: dict[str, str]
) -> None:
    run(config, env, "override", "prune")
    write_overrides(config, OLD, RECENT, COMING)  # as if the file had not been rewritten

    result = run(config, env, "override", "prune")

    assert result.exit_code == 0, result.output
    assert in_file(config) == ["ov-recent", "ov-coming"]
    assert history(env) == ["ov-old"]


def test_list_prune_prunes_every_ended_override(config: Path, env: dict[str, str]) -> None:
    result = run(config, env, "override", "list", "--prune")

    assert result.exit_code == 0, result.output
    assert [line.split()[1] for line in result.stderr.splitlines()] == ["ov-old", "ov-recent"]
    assert result.stdout.startswith("ov-coming  support-leads: dmitri")
    assert history(env) == ["ov-old", "ov-recent"]


def test_without_a_database_nothing_is_pruned_and_it_is_one_line_and_exit_3(
    config: Path, tmp_path: Path
) -> None:
    result = run(config, {"MUSTER_HOME": str(tmp_path / "empty")}, "override", "prune")

    assert result.exit_code == 3
    assert len(result.stderr.splitlines()) == 1
    assert "no database at" in result.stderr
    assert in_file(config) == ["ov-old", "ov-recent", "ov-coming"]


def test_a_database_without_the_history_table_prunes_nothing(config: Path, tmp_path: Path) -> None:
    (tmp_path / "bare").mkdir()
    (tmp_path / "bare" / "muster.db").write_bytes(b"")
    bare = {"MUSTER_HOME": str(tmp_path / "bare")}

    result = run(config, bare, "override", "prune")

    assert result.exit_code == 3
    assert result.stderr.startswith("muster override: the database is unusable (")
    assert "Traceback" not in result.output
    assert in_file(config) == ["ov-old", "ov-recent", "ov-coming"]


def test_a_bad_age_is_one_line_and_exit_2(config: Path, env: dict[str, str]) -> None:
    result = run(config, env, "override", "prune", "--ended-before", "a month")

    assert result.exit_code == 2
    assert "'a month' is not a duration" in result.stderr
    assert in_file(config) == ["ov-old", "ov-recent", "ov-coming"]


def test_prune_waits_for_the_files_lock(config: Path, env: dict[str, str]) -> None:
    command = [sys.executable, "-m", "muster.worker.cli", "override", "prune"]
    with locked(config):
        process = subprocess.Popen(
            [*command, "--config", str(config)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
            env=os.environ | env,
        )
        reaper = guard(process.pid)
        try:
            with pytest.raises(subprocess.TimeoutExpired):
                process.wait(timeout=3)  # it cannot prune while another writer holds the file
            assert in_file(config) == ["ov-old", "ov-recent", "ov-coming"]
        except BaseException:
            os.killpg(process.pid, signal.SIGKILL)
            raise
    try:
        _, stderr = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        reaper.wait(timeout=10)

    assert process.returncode == 0, stderr
    assert in_file(config) == ["ov-recent", "ov-coming"]
    assert history(env) == ["ov-old"]


def cover_of(config: Path, env: dict[str, str], *args: str) -> list[tuple[str, bool]]:
    """The support-leads shifts ``muster oncall`` lists over the old override's day."""
    result = run(
        config,
        env,
        *("oncall", "--role", "support_lead", "--format", "json", *args),
        *("--at", hour(-24 * 40 - 2).isoformat(), "--until", hour(-24 * 40 + 8).isoformat()),
    )
    assert result.exit_code == 0, result.output
    shifts = json.loads(result.stdout)["rotations"][0]["shifts"]
    return [(s["person"], s["override"]) for s in shifts]


@pytest.mark.parametrize(
    "kind", ["sqlite", pytest.param("postgresql", marks=pytest.mark.integration)]
)
def test_oncall_over_a_pruned_range_still_shows_the_cover(kind: str, tmp_path: Path) -> None:
    config = tmp_path / "routing.yaml"
    shutil.copy(DEMO, config)
    write_overrides(config, entry("ov-laura", hour(-24 * 40), hour(-24 * 40 + 6), "laura"))
    with scratch_database(kind, tmp_path) as url:
        env = worker_env(tmp_path, url)
        before = cover_of(config, env)

        pruned = run(config, env, "override", "prune")
        after = cover_of(config, env)
        kept = history(env)

    assert pruned.exit_code == 0, pruned.output
    assert in_file(config) == []
    assert kept == ["ov-laura"]
    assert ("laura", True) in before
    assert after == before


def test_without_a_database_oncall_says_the_history_is_not_shown_and_answers(
    tmp_path: Path,
) -> None:
    config = tmp_path / "routing.yaml"
    shutil.copy(DEMO, config)
    result = run(
        config,
        {"MUSTER_HOME": str(tmp_path / "empty")},
        *("oncall", "--at", hour(-24).isoformat(), "--format", "json"),
    )

    assert result.exit_code == 0, result.output
    assert result.stderr.startswith("muster oncall: no database at ")
    assert result.stderr.endswith("overrides pruned from the overrides file are not shown\n")
    assert json.loads(result.stdout)["rotations"]


def test_calendar_export_from_a_past_day_keeps_the_pruned_cover(tmp_path: Path) -> None:
    config = tmp_path / "routing.yaml"
    shutil.copy(DEMO, config)
    write_overrides(config, entry("ov-laura", hour(-24 * 40), hour(-24 * 40 + 6), "laura"))
    env = worker_env(tmp_path)
    export = ("calendar", "export", "--person", "laura", "--months", "1", "--csv", "-")
    since = ("--from", hour(-24 * 41).isoformat())
    before = run(config, env, *export, *since).stdout

    run(config, env, "override", "prune")

    assert "support-leads" in before
    assert run(config, env, *export, *since).stdout == before
