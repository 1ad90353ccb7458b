"""``muster oncall``: who is on call now and next, or every shift of a range, from the config."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from muster.worker.cli import cli
from tests.harness.configs import DEMO, alice_covers_bob

# Without --at the listing asks the real clock.
pytestmark = pytest.mark.wallclock

NOON = "2026-11-25T12:00:00Z"  # bob commands, heidi is the payments SME (Dublin, winter)


def run(*args: str) -> Any:
    return CliRunner().invoke(cli, ["oncall", "--config", str(DEMO), *args], env={})


def test_names_each_role_and_service_holder_since_until_and_the_next_handoffs() -> None:
    result = run("--at", NOON)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "on call at Wed 2026-11-25 12:00 (Europe/Dublin)"
    commanders = lines.index("incident-commanders: Incident commander")
    assert lines[commanders + 1].split() == [
        *("now", "Bob", "Okafor", "(bob)", "from", "Mon", "2026-11-23", "09:00"),
        *("until", "Mon", "2026-11-30", "09:00"),
    ]
    assert lines[commanders + 2].startswith("  next  Carol Haas (carol)")
    assert "payments-oncall: SME payments-api" in lines
    assert "  now   Laura Diaz (laura)  always" in lines


def test_json_lists_final_shifts_with_utc_instants() -> None:
    result = run("--at", NOON, "--role", "incident_commander", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    (rotation,) = data["rotations"]
    assert rotation["roles"] == ["incident_commander"]
    now = rotation["shifts"][0]
    assert (now["person"], now["from"], now["until"]) == (
        "bob",
        "2026-11-23T09:00:00Z",
        "2026-11-30T09:00:00Z",
    )
    assert len(rotation["shifts"]) == 3


def test_until_lists_every_shift_in_the_range_with_an_override_applied(tmp_path: Path) -> None:
    config = alice_covers_bob(tmp_path)
    result = CliRunner().invoke(
        cli,
        [
            *("oncall", "--config", str(config), "--at", NOON, "--until", "2026-11-30T09:00"),
            *("--role", "incident_commander", "--format", "json"),
        ],
        env={},
    )
    assert result.exit_code == 0, result.output
    shifts = json.loads(result.stdout)["rotations"][0]["shifts"]
    assert [(s["person"], s["override"]) for s in shifts] == [
        ("bob", False),
        ("alice", True),
        ("bob", False),
    ]
    assert shifts[1]["from"] == "2026-11-26T18:00:00Z"  # Dublin in winter is UTC


def test_a_person_sees_only_their_shifts() -> None:
    result = run("--at", NOON, "--until", "2026-12-25T00:00", "--person", "ken")
    assert result.exit_code == 0, result.output
    assert "search-oncall: SME search" in result.output
    assert "incident-commanders" not in result.output
    assert "Ivan" not in result.output


def test_an_unknown_name_or_a_backwards_range_is_one_clear_line() -> None:
    unknown = run("--role", "captain")
    assert unknown.exit_code == 2
    assert "no role 'captain': the config defines incident_commander" in unknown.output
    backwards = run("--at", NOON, "--until", "2026-11-01T00:00")
    assert backwards.exit_code == 2
    assert "must be after its start" in backwards.output
    assert "Traceback" not in unknown.output + backwards.output


def test_a_person_without_until_sees_their_next_shifts_however_far() -> None:
    result = run("--at", NOON, "--person", "ivan", "--handoffs", "1")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    search = lines.index("search-oncall: SME search")
    assert lines[search + 1].split()[:3] == ["next", "Ivan", "Petrov"]
    assert "from Mon 2026-11-30 09:00" in lines[search + 1]
    assert "from Mon 2026-12-14 09:00" in lines[search + 2]
    assert len([line for line in lines if "Ivan Petrov" in line]) == 4
