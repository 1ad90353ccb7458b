"""``muster config diff OLD NEW --notify``: once an edit is live, the worker is asked to tell
each person whose shifts it moves over the diff's horizon, once per edit (the pair of the two
versions' hashes). The demo team from WEDNESDAY_NOON for a week; NEW swaps alice and bob in the
incident commanders' order, so their weeks (and carol's, untouched) are what moves.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from muster.config.last_good import fingerprint
from muster.worker.cli import cli
from muster.worker.core.paging.keys import edit_change
from muster.worker.tasks.names import SHIFTS_EDITED
from tests.harness.configs import DEMO, WEDNESDAY_NOON
from tests.harness.queued import queued


@pytest.fixture
def sides(tmp_path: Path) -> tuple[Path, Path]:
    old, new = tmp_path / "old.yaml", tmp_path / "new.yaml"
    shutil.copy(DEMO, old)
    text = DEMO.read_text(encoding="utf-8")
    new.write_text(text.replace("[alice, bob, carol]", "[bob, alice, carol]"), encoding="utf-8")
    return old, new


def diff(home: Path, old: Path, new: Path, **env: str) -> Any:
    args = ["config", "diff", str(old), str(new), "--from", WEDNESDAY_NOON.isoformat()]
    environment = {"MUSTER_HOME": str(home), "MUSTER_PERSON": "laura", **env}
    return CliRunner().invoke(cli, [*args, "--days", "7", "--notify"], env=environment)


def test_notify_queues_whose_shifts_the_edit_moves_keyed_by_the_pair_of_versions(
    tmp_path: Path, sides: tuple[Path, Path]
) -> None:
    old, new = sides

    result = diff(tmp_path, old, new)

    assert result.exit_code == 1  # the diff's own status: something changes for people
    assert "notify: the worker tells 2 people whose shifts move" in result.stderr
    (message,) = queued(tmp_path, SHIFTS_EDITED)
    key = edit_change(fingerprint(old.read_text()), fingerprint(new.read_text()))
    assert (message["edit"], message["by"]) == (key, "laura")
    alice, bob = message["people"]
    assert (alice["person"], bob["person"]) == ("alice", "bob")
    assert {s["other"] for s in alice["gained"]} == {"bob"}
    assert {s["other"] for s in bob["relieved"]} == {"alice"}


def test_an_edit_that_moves_nobody_queues_nothing(tmp_path: Path, sides: tuple[Path, Path]) -> None:
    old, _ = sides

    result = diff(tmp_path, old, old)

    assert result.exit_code == 0
    assert "notify: nobody's shifts move, nobody to tell" in result.stderr
    assert queued(tmp_path, SHIFTS_EDITED) == []


def test_an_unreachable_broker_is_one_line_and_the_diffs_status_stands(
    tmp_path: Path, sides: tuple[Path, Path]
) -> None:
    broker = {"MUSTER_BROKER_URL": "redis://127.0.0.1:1/0", "MUSTER_PUBLISH_TIMEOUT": "0.5"}

    result = diff(tmp_path, *sides, **broker)

    assert result.exit_code == 1
    (line,) = result.stderr.splitlines()
    assert line.startswith("notify: nobody was told (the notices could not be queued: cannot")
