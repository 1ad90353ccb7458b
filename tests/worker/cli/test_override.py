"""``muster override`` and ``muster take``: covering a shift by writing the overrides file.

Each test copies the demo config into a folder of its own and runs the commands on real files;
what they write is then loaded the way the worker loads it. Bad input is one line and exit 1,
with the file untouched; concurrent writers never lose an override.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from muster.config.loader import load_config
from muster.config.overrides_file import overrides_path
from muster.config.overrides_store import read_entries
from muster.worker.cli import cli
from muster.worker.tasks.names import SHIFTS_CHANGED
from tests.harness.configs import DEMO
from tests.harness.queued import queued
from tests.harness.reaper import guard

# Override lists and take are about now: they read the real clock.
pytestmark = pytest.mark.wallclock


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "routing.yaml"
    shutil.copy(DEMO, path)
    return path


def run(config: Path, *args: str, **env: str) -> Any:
    """The command on ``config``, its embedded broker (where the shift notices queue) beside it."""
    home = {"MUSTER_HOME": str(config.parent / "var")}
    return CliRunner().invoke(cli, [*args, "--config", str(config)], env=home | env)


def hours_from_now(hours: int) -> datetime:
    return (datetime.now(UTC) + timedelta(hours=hours)).replace(minute=0, second=0, microsecond=0)


def add(config: Path, starts: datetime, until: datetime, person: str = "dmitri") -> Any:
    return run(
        config,
        *("override", "add", "--rotation", "support-leads", "--person", person),
        *("--from", starts.isoformat(), "--until", until.isoformat(), "--reason", "cover"),
    )


def test_add_writes_an_override_that_holds_the_rotation_from_its_first_second_to_its_last(
    config: Path,
) -> None:
    starts, until = hours_from_now(24), hours_from_now(30)
    unchanged = load_config(config).routing
    # The rotation's own holders at both ends: a weekly handoff may fall inside the six hours.
    before, after = (
        unchanged.on_call("support-leads", starts),
        unchanged.on_call("support-leads", until),
    )
    other = "erin" if before == "dmitri" else "dmitri"

    result = add(config, starts, until, person=other)

    assert result.exit_code == 0, result.output
    (entry,) = read_entries(overrides_path(config))
    assert entry["id"] == result.output.strip()
    assert (entry["person"], entry["reason"]) == (other, "cover")
    routing = load_config(config).routing
    assert routing.on_call("support-leads", starts - timedelta(seconds=1)) == before
    assert routing.on_call("support-leads", starts) == other
    assert routing.on_call("support-leads", until - timedelta(seconds=1)) == other
    assert routing.on_call("support-leads", until) == after


def test_covering_a_shift_needs_the_configs_names_not_its_secrets(config: Path) -> None:
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace('"demo-only-secret-change-me"', "${MUSTER_ACK_SECRET}"), "utf-8")

    result = add(config, hours_from_now(24), hours_from_now(30))

    assert result.exit_code == 0, result.output
    assert "MUSTER_ACK_SECRET" not in overrides_path(config).read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("--rotation", "nope"), "muster: no rotation 'nope'"),
        (("--person", "zed"), "muster: no person 'zed' in the config"),
        (("--until", "2020-01-01T00:00:00+00:00"), "muster: --until must be after --from"),
        (("--until", "2099-01-01T00:00:00+00:00"), "muster: an override of"),
    ],
)
def test_bad_input_is_one_line_and_exit_1_and_writes_nothing(
    config: Path, change: tuple[str, str], message: str
) -> None:
    options = {
        "--rotation": "support-leads",
        "--person": "erin",
        "--from": hours_from_now(1).isoformat(),
        "--until": hours_from_now(2).isoformat(),
    }
    options[change[0]] = change[1]

    result = run(config, "override", "add", *(x for pair in options.items() for x in pair))

    assert result.exit_code == 1
    assert result.output.startswith(message)
    assert len(result.output.splitlines()) == 1
    assert not overrides_path(config).exists()


def test_take_gives_the_person_the_roles_rotation_from_now(config: Path) -> None:
    result = run(config, "take", "--role", "support_lead", "--for", "2h", MUSTER_PERSON="erin")

    assert result.exit_code == 0, result.output
    (entry,) = read_entries(overrides_path(config))
    assert (entry["rotation"], entry["person"]) == ("support-leads", "erin")
    assert entry["author"] == "erin"
    starts = datetime.fromisoformat(entry["from"])
    assert datetime.fromisoformat(entry["until"]) - starts == timedelta(hours=2)
    assert load_config(config).routing.on_call("support-leads", starts) == "erin"


def test_take_without_a_person_says_how_to_name_one(config: Path) -> None:
    result = run(config, "take", "--role", "support_lead")

    assert result.exit_code == 1
    assert result.output == "muster: who is taking it? give --person or set $MUSTER_PERSON\n"


def test_list_shows_overrides_to_come_and_all_shows_ended_ones(config: Path) -> None:
    ended = add(config, hours_from_now(-30), hours_from_now(-24)).output.strip()
    coming = add(config, hours_from_now(24), hours_from_now(30)).output.strip()

    listed = run(config, "override", "list").output
    everything = run(config, "override", "list", "--all").output

    assert coming in listed
    assert ended not in listed
    assert ended in everything
    assert coming in everything


def test_remove_takes_the_override_out_and_an_unknown_id_is_refused(config: Path) -> None:
    ident = add(config, hours_from_now(24), hours_from_now(30)).output.strip()

    assert run(config, "override", "remove", ident).output == f"removed {ident}\n"
    assert read_entries(overrides_path(config)) == []
    unknown = run(config, "override", "remove", ident)
    assert unknown.exit_code == 1
    assert unknown.output.startswith(f"muster: no override {ident!r} in ")


def test_concurrent_adds_never_lose_one(config: Path) -> None:
    count = 6
    starts = hours_from_now(24)
    commands = [
        [
            *(sys.executable, "-m", "muster.worker.cli", "override", "add"),
            *("--config", str(config), "--rotation", "scribes", "--person", "grace"),
            *("--from", (starts + timedelta(hours=n)).isoformat()),
            *("--until", (starts + timedelta(hours=n, minutes=30)).isoformat()),
        ]
        for n in range(count)
    ]
    environment = {k: v for k, v in os.environ.items() if k != "MUSTER_PERSON"}
    environment["MUSTER_HOME"] = str(config.parent / "var")
    processes = [
        subprocess.Popen(
            command,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
            env=environment,
        )
        for command in commands
    ]
    reapers = [guard(process.pid) for process in processes]
    try:
        outputs = [process.communicate(timeout=120) for process in processes]
    finally:
        for process in processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
        for reaper in reapers:
            reaper.wait(timeout=10)

    assert [process.returncode for process in processes] == [0] * count, outputs
    written = {entry["id"] for entry in read_entries(overrides_path(config))}
    assert written == {out.decode().strip() for out, _ in outputs}
    assert len(written) == count


def test_add_and_remove_each_queue_the_notice_of_their_change_for_the_worker(
    config: Path,
) -> None:
    starts, until = hours_from_now(24), hours_from_now(30)
    ident = add(config, starts, until).output.strip()
    run(config, "override", "remove", ident, MUSTER_PERSON="erin")

    added, removed = queued(config.parent / "var", SHIFTS_CHANGED)

    assert added == {
        "override_id": ident,
        "action": "added",
        "rotation": "support-leads",
        "person": "dmitri",
        "starts": added["starts"],
        "until": added["until"],
        "reason": "cover",
        "by": added["by"],  # $MUSTER_PERSON, else the login name
    }
    assert datetime.fromisoformat(added["starts"]) == starts
    assert datetime.fromisoformat(added["until"]) == until
    assert (removed["override_id"], removed["action"], removed["by"]) == (ident, "removed", "erin")


def test_no_notify_writes_the_override_and_queues_nothing(
    config: Path,
) -> None:
    result = run(
        config,
        *("override", "add", "--rotation", "support-leads", "--person", "erin", "--no-notify"),
        *("--from", hours_from_now(24).isoformat(), "--until", hours_from_now(30).isoformat()),
    )

    assert result.exit_code == 0, result.output
    assert len(read_entries(overrides_path(config))) == 1
    assert queued(config.parent / "var", SHIFTS_CHANGED) == []


def test_an_unreachable_broker_still_writes_the_override_and_says_nobody_was_told(
    config: Path,
) -> None:
    result = run(
        config,
        "take",
        *("--role", "support_lead", "--person", "erin"),
        MUSTER_BROKER_URL="redis://127.0.0.1:1/0",
        MUSTER_PUBLISH_TIMEOUT="0.5",
    )

    assert result.exit_code == 0, result.output
    (entry,) = read_entries(overrides_path(config))
    assert result.stdout == f"{entry['id']}\n"
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"muster: {entry['id']} is added, but nobody was told")
    assert "cannot reach the broker" in line
