"""``muster incidents``: what is open, who was paged and acknowledged, and what happens next, read
from a real database written by the real handlers (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from muster.worker.cli import cli
from muster.worker.incidents.acknowledged import handle_acknowledged
from muster.worker.incidents.declared import handle_declared
from muster.worker.incidents.resolved import handle_resolved
from muster.worker.messages import parse
from muster.worker.runtime import Runtime
from tests.harness.declarations import CHECKOUT, SEARCH
from tests.harness.gapped_chains import EMPTY_MIDDLE, gapped_demo
from tests.harness.runtimes import serve_config

# The listing ages incidents by the real clock.
pytestmark = [pytest.mark.runtime(databases=["sqlite", "postgresql"]), pytest.mark.wallclock]


def declare(rt: Runtime, body: dict[str, Any], message_id: str) -> None:
    handle_declared(rt, parse("muster.incident.declared", body), message_id)


def run(rt: Runtime, *args: str) -> Result:
    env = {
        "MUSTER_DATABASE_URL": rt.database.engine.url.render_as_string(hide_password=False),
        "MUSTER_CONFIG": str(rt.config.path),
    }
    return CliRunner().invoke(cli, ["incidents", *args], env=env)


def listed(rt: Runtime, *args: str) -> list[dict[str, Any]]:
    result = run(rt, *args, "--format", "json")
    assert result.exit_code == 0, result.output
    return list(json.loads(result.output)["incidents"])


def test_an_open_incident_shows_who_was_paged_who_acknowledged_and_the_next_step(
    rt: Runtime,
) -> None:
    declare(rt, CHECKOUT, "m-1")
    acknowledged = {"incident_id": "inc-1", "person": "heidi"}
    handle_acknowledged(rt, parse("muster.incident.acknowledged", acknowledged), "m-2")
    (incident,) = listed(rt)
    assert (incident["id"], incident["severity"], incident["state"]) == (
        "inc-1",
        "SEV1",
        "investigating",
    )
    assert incident["services"] == ["payments-api"]
    assert incident["declared_at"] == "2026-11-25T12:00:00Z"
    paged = {entry["person"] for entry in incident["paged"]}
    assert {"bob", "heidi"} <= paged  # the commander and the payments SME at WEDNESDAY_NOON
    assert [entry["person"] for entry in incident["acknowledged"]] == ["heidi"]
    steps = {step["role"]: step for step in incident["next_escalations"]}
    commander = steps["incident_commander"]
    assert commander["due_at"] == "2026-11-25T12:05:00Z"
    assert (commander["rotation"], commander["person"]) == ("eng-managers", "laura")
    assert "sme:payments-api" not in steps  # heidi's acknowledgement stopped her chain


def test_the_next_step_past_an_empty_level_names_the_level_paged_in_its_place(
    rt: Runtime,
) -> None:
    """Commanders, an empty rotation, then eng managers: at 12:05 Laura is paged at once."""
    serve_config(rt, gapped_demo(EMPTY_MIDDLE))
    declare(rt, CHECKOUT, "m-1")
    (incident,) = listed(rt)
    steps = {step["role"]: step for step in incident["next_escalations"]}
    commander = steps["incident_commander"]
    assert commander["due_at"] == "2026-11-25T12:05:00Z"
    assert (commander["rotation"], commander["person"]) == ("eng-managers", "laura")


def test_the_text_is_one_visible_line_per_fact_whatever_the_producer_wrote(rt: Runtime) -> None:
    declare(rt, CHECKOUT, "m-1")
    result = run(rt)
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.output
    assert "\x07" not in result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("inc-1  SEV1  investigating  ")
    assert lines[0].endswith("payments-api")
    assert lines[1] == "  Checkout failing [2J]0;owned now"
    assert any(line.startswith("  paged: Bob Okafor (bob)") for line in lines)
    assert any("Incident commander escalates" in line and "Laura Diaz" in line for line in lines)


def test_filters_and_resolved_incidents_with_all(rt: Runtime) -> None:
    declare(rt, CHECKOUT, "m-1")
    declare(rt, SEARCH, "m-2")
    assert [i["id"] for i in listed(rt, "--service", "search")] == ["inc-2"]
    assert [i["id"] for i in listed(rt, "--severity", "SEV1")] == ["inc-1"]
    handle_resolved(rt, parse("muster.incident.resolved", {"incident_id": "inc-1"}), "m-3")
    assert [i["id"] for i in listed(rt)] == ["inc-2"]
    assert {i["id"] for i in listed(rt, "--all")} == {"inc-1", "inc-2"}
    resolved = listed(rt, "--state", "resolved")
    assert [(i["id"], i["next_escalations"]) for i in resolved] == [("inc-1", [])]
    assert listed(rt, "--since", "2026-11-26T00:00:00Z") == []


def test_nothing_open_says_so(rt: Runtime) -> None:
    result = run(rt)
    assert result.exit_code == 0, result.output
    assert result.output == "no incident matches\n"


def test_without_a_database_it_says_so_in_one_line(tmp_path: Path) -> None:
    """The embedded default: no SQLite file yet under MUSTER_HOME (the worker makes it)."""
    result = CliRunner().invoke(
        cli, ["incidents"], env={"MUSTER_HOME": str(tmp_path), "MUSTER_DATABASE_URL": ""}
    )
    assert result.exit_code == 3, result.output
    assert "no database at" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "muster.db").exists()
