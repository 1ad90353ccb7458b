"""``muster config diff OLD NEW``: what an edit changes for people, for a reviewer and for CI.

Real config files (the demo, edited) and a real git repository are diffed through the command
itself. Exit 0 when nothing changes for people, 1 when something does, 2 when the edit brings a
risk or NEW (or a side it cannot read) is wrong; markdown for a pull request, with every config
name inert; JSON for scripts.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner, Result

from muster.worker.cli import cli
from tests.harness.alert_bodies import alert, notification
from tests.harness.configs import DEMO
from tests.harness.inert import assert_markdown_inert

GIT = shutil.which("git") or "git"
MONDAY = "2026-12-07T09:00"  # the demo's weekly handoff; dave's first week is 28 Dec
FOUR_WEEKS = ["--from", MONDAY, "--days", "28"]


def demo() -> dict[str, Any]:
    return yaml.safe_load(DEMO.read_text(encoding="utf-8"))


def new_member_and_moved_handoff() -> dict[str, Any]:
    """The realistic edit: dave joins the incident commanders, payments hands off a day later."""
    document = demo()
    rotations = document["rotations"]
    rotations["incident-commanders"]["members"].append("dave")
    rotations["payments-oncall"]["handoff"] = "thu 10:00"
    document["people"]["dave"] = {"name": "Dave Nowak", "email": "dave@example.com", "chat": "dave"}
    return document


def diff(*args: str) -> Result:
    return CliRunner().invoke(cli, ["config", "diff", *args], env={})


def test_a_config_diffed_with_itself_changes_nothing_and_exits_zero() -> None:
    done = diff(str(DEMO), str(DEMO), *FOUR_WEEKS)
    assert done.exit_code == 0, done.output
    assert "Nothing changes for people." in done.output


def test_a_new_member_and_a_moved_handoff_are_each_persons_stretches(
    write_config: Callable[..., Path],
) -> None:
    edited = write_config(new_member_and_moved_handoff())
    done = diff(str(DEMO), str(edited), *FOUR_WEEKS, "--format", "markdown")
    assert done.exit_code == 1, done.output
    lines = done.output.splitlines()
    assert (
        "- **Dave Nowak (dave)**: +Mon 28 Dec 09:00–Mon 04 Jan 09:00 as incident commander"
        " via incident-commanders"
    ) in lines
    assert (
        "- **Alice Byrne (alice)**: −Mon 28 Dec 09:00–Mon 04 Jan 09:00 as incident commander"
        " via incident-commanders"
    ) in lines
    heidi = next(line for line in lines if "(heidi)" in line)
    assert heidi.startswith("- **Heidi Berg (heidi)**: −Wed 09 Dec 10:00–Thu 10 Dec 10:00 as SME")
    assert (
        "- SEV1 for payments-api, search, platform, an unknown service: Mon 28 Dec 09:00–"
        "Mon 04 Jan 09:00 pages Dave Nowak (dave) by email first, not Alice Byrne (alice) by sms"
    ) in lines  # dave has no sms number: his first page falls back to email
    assert (
        "- SEV1 incident commander at once for payments-api, search, platform, an unknown"
        " service: +Dave Nowak (dave) by chat, email; −Alice Byrne (alice) by chat, email, sms"
        " (declared Mon 28 Dec 09:00–Mon 04 Jan 09:00)"
    ) in lines
    assert (  # SEV1 repeats its chain: the commander again 10m on, so from 10m before the handoff
        "- SEV1 incident commander after 10m unacknowledged for payments-api, search, platform,"
        " an unknown service: +Dave Nowak (dave) by chat, email; −Alice Byrne (alice) by chat,"
        " email, sms (declared Mon 28 Dec 08:50–Mon 04 Jan 08:50)"
    ) in lines
    assert (  # the moved payments handoff: heidi's Wednesdays go to ivan, an SME line of its own
        "- SEV2 SME of payments-api at once: +Ivan Petrov (ivan) by chat, sms; −Heidi Berg"
        " (heidi) by chat, sms (declared Wed 09 Dec 10:00–Thu 10 Dec 10:00, Wed 23 Dec 10:00–"
        "Thu 24 Dec 10:00)"
    ) in lines
    assert "Risks" not in done.output
    assert "#### Policy" not in done.output


def test_json_lists_every_claim_with_utc_instants(write_config: Callable[..., Path]) -> None:
    edited = write_config(new_member_and_moved_handoff())
    done = diff(str(DEMO), str(edited), *FOUR_WEEKS, "--format", "json")
    assert done.exit_code == 1, done.output
    data = json.loads(done.output)
    assert data["status"] == 1
    assert data["from"] == "2026-12-07T09:00:00Z"
    assert {
        "person": "dave",
        "rotation": "incident-commanders",
        "change": "gained",
        "from": "2026-12-28T09:00:00Z",
        "until": "2027-01-04T09:00:00Z",
        "roles": ["incident_commander"],
        "services": [],
    } in data["shifts"]
    assert {claim["person"] for claim in data["shifts"]} == {"alice", "dave", "heidi", "ivan"}
    assert {
        "severity": "SEV4",
        "service": "payments-api",
        "from": "2026-12-09T10:00:00Z",
        "until": "2026-12-10T10:00:00Z",
        "old": {"person": "heidi", "kind": "chat"},
        "new": {"person": "ivan", "kind": "chat"},
    } in data["first_pages"]
    assert {
        "severity": "SEV2",
        "service": "search",
        "role": "incident_commander",
        "delay_seconds": 1200,
        "from": "2026-12-28T08:40:00Z",
        "until": "2027-01-04T08:40:00Z",
        "lost": [{"person": "alice", "kind": "chat"}, {"person": "alice", "kind": "sms"}],
        "gained": [{"person": "dave", "kind": "chat"}, {"person": "dave", "kind": "email"}],
    } in data["pages"]
    assert {page["service"] for page in data["first_pages"]} == {
        "payments-api",
        "search",
        "platform",
        None,  # a service the config does not name, routed to the fallback
    }


def test_a_risk_the_edit_brings_comes_first_and_exits_two(
    write_config: Callable[..., Path],
) -> None:
    document = demo()
    document["rotations"]["support-managers"]["members"] = []
    done = diff(str(DEMO), str(write_config(document)), *FOUR_WEEKS)
    assert done.exit_code == 2, done.output
    lines = done.output.splitlines()
    assert lines[2] == "Risks this edit brings:"
    assert lines[3].startswith("  ! rotations.support-managers.members: has no members")


def test_a_policy_change_is_a_change(write_config: Callable[..., Path]) -> None:
    document = demo()
    document["severity"]["levels"]["SEV2"]["ack_within"] = "20m"
    done = diff(str(DEMO), str(write_config(document)), *FOUR_WEEKS, "--format", "markdown")
    assert done.exit_code == 1, done.output
    assert "| `severity.levels.SEV2.ack_within` | 10m | 20m |" in done.output.splitlines()


def test_an_invalid_new_config_is_its_errors_and_exits_two(
    write_config: Callable[..., Path],
) -> None:
    document = demo()
    document["roles"]["scribe"]["rotation"] = "no-such-rotation"
    edited = write_config(document)
    done = diff(str(DEMO), str(edited), *FOUR_WEEKS)
    assert done.exit_code == 2
    assert f"{edited}:" in done.output
    assert "no-such-rotation" in done.output
    assert "Traceback" not in done.output


HOSTILE = "@here <!channel> [x](https://evil.example) `rm`"


def test_names_from_the_config_and_the_alerts_are_inert_in_the_markdown(
    tmp_path: Path, write_config: Callable[..., Path]
) -> None:
    document = new_member_and_moved_handoff()
    document["people"]["dave"]["name"] = HOSTILE
    document["intake"]["rules"].insert(0, {"match": {"team": "db"}, "impact": "major"})
    document["maintenance"] = {
        "windows": {
            "db": {
                "reason": HOSTILE,
                "scope": {"services": ["payments-api"]},
                "start": "2026-12-12T02:00",
                "end": "2026-12-12T04:00",
            }
        }
    }
    folder = tmp_path / "alerts"
    folder.mkdir()
    body = notification(alert(HOSTILE, team="db"))
    (folder / "db.json").write_text(json.dumps(body), encoding="utf-8")
    done = diff(
        str(DEMO),
        str(write_config(document)),
        *FOUR_WEEKS,
        "--alerts",
        str(folder),
        "--format",
        "markdown",
    )
    assert done.exit_code == 1, done.output
    assert "#### Alerts classified differently" in done.output
    assert "#### Maintenance windows" in done.output
    paths = r"[\w.:\[\]-]+"  # config paths as code spans: intake.rules[0]
    assert_markdown_inert(done.output, frozenset(), "config diff", headings=7, code=paths)


def git(folder: Path, *args: str) -> None:
    subprocess.run(
        [GIT, "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        cwd=folder,
        check=True,
        capture_output=True,
    )


def test_a_git_side_is_read_from_the_repository(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    routing = tmp_path / "routing.yaml"
    routing.write_text(DEMO.read_text(encoding="utf-8"), encoding="utf-8")
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", "routing.yaml")
    git(tmp_path, "commit", "-qm", "the demo")
    routing.write_text(yaml.safe_dump(new_member_and_moved_handoff()), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    done = diff("git:HEAD:routing.yaml", "routing.yaml", *FOUR_WEEKS)
    assert done.exit_code == 1, done.output
    assert "Dave Nowak (dave): +Mon 28 Dec 09:00" in done.output
    missing = diff("git:no-such-branch:routing.yaml", "routing.yaml", *FOUR_WEEKS)
    assert missing.exit_code == 2
    assert missing.output.strip().splitlines() == [
        "git:no-such-branch:routing.yaml: cannot read it from git:"
        " invalid object name 'no-such-branch'."
    ]


def alerts_folder(folder: Path) -> Path:
    """Two real Alertmanager notifications: a payments database alert and a critical one."""
    folder.mkdir()
    bodies = {
        "payments.json": notification(alert("PaymentsDbSlow", team="payments-db")),
        "critical.json": notification(alert("ApiDown", severity="critical"), group="g2"),
    }
    for name, body in bodies.items():
        (folder / name).write_text(json.dumps(body), encoding="utf-8")
    return folder


def test_alerts_a_new_rule_classifies_differently_are_listed(
    tmp_path: Path, write_config: Callable[..., Path]
) -> None:
    document = demo()
    document["intake"]["rules"].insert(
        0, {"match_re": {"team": "payments.*"}, "impact": "major", "services": ["payments-api"]}
    )
    folder = alerts_folder(tmp_path / "alerts")
    done = diff(str(DEMO), str(write_config(document)), *FOUR_WEEKS, "--alerts", str(folder))
    assert done.exit_code == 1, done.output
    lines = done.output.splitlines()
    assert lines[lines.index("Alerts classified differently:") + 1 :][:1] == [
        "  payments.json #0 PaymentsDbSlow: SEV3 (minor × medium) for platform →"
        " SEV2 (major × medium) for payments-api"
    ]
    assert "ApiDown" not in done.output  # still critical × high: classified alike
    assert (
        "| `intake.rules[0]` | (absent) |"
        in diff(str(DEMO), str(write_config(document)), *FOUR_WEEKS, "--format", "markdown").output
    )


def test_alerts_json_lists_both_classifications(
    tmp_path: Path, write_config: Callable[..., Path]
) -> None:
    document = demo()
    del document["intake"]["defaults"]
    folder = alerts_folder(tmp_path / "alerts")
    done = diff(
        str(DEMO),
        str(write_config(document)),
        *FOUR_WEEKS,
        "--alerts",
        str(folder),
        "--format",
        "json",
    )
    assert done.exit_code == 1, done.output
    (refused,) = json.loads(done.output)["alerts"]
    assert refused["file"] == "payments.json"
    assert refused["old"] == {
        "severity": "SEV3",
        "impact": "minor",
        "urgency": "medium",
        "services": ["platform"],
    }
    assert refused["new"]["refused"].startswith("PaymentsDbSlow: no impact and urgency")


def test_a_folder_with_a_body_that_is_not_a_webhook_is_one_line_and_exits_two(
    tmp_path: Path,
) -> None:
    folder = alerts_folder(tmp_path / "alerts")
    (folder / "broken.json").write_text('{"version": "4", "alerts": []}', encoding="utf-8")
    done = diff(str(DEMO), str(DEMO), *FOUR_WEEKS, "--alerts", str(folder))
    assert done.exit_code == 2
    assert done.output.strip().splitlines() == [
        f"{folder / 'broken.json'}: not a webhook body: groupKey: Field required"
    ]


def test_a_new_maintenance_window_and_the_pages_it_holds(
    write_config: Callable[..., Path],
) -> None:
    document = demo()
    document["maintenance"] = {
        "windows": {
            "db-failover": {
                "reason": "Payments DB failover",
                "scope": {"services": ["payments-api"], "severities": ["SEV2"]},
                "start": "2026-12-12T02:00",
                "end": "2026-12-12T04:00",
            }
        }
    }
    done = diff(str(DEMO), str(write_config(document)), *FOUR_WEEKS, "--format", "markdown")
    assert done.exit_code == 1, done.output
    lines = done.output.splitlines()
    assert lines[lines.index("#### Maintenance windows") + 2 :][:2] == [
        "- window db-failover (Payments DB failover): +Sat 12 Dec 02:00–Sat 12 Dec 04:00",
        "- SEV2 for payments-api: Sat 12 Dec 02:00–Sat 12 Dec 04:00 pages nobody"
        " (window db-failover)",
    ]
    data = json.loads(
        diff(str(DEMO), str(write_config(document)), *FOUR_WEEKS, "--format", "json").output
    )
    assert data["windows"]["held"] == [
        {
            "severity": "SEV2",
            "service": "payments-api",
            "from": "2026-12-12T02:00:00Z",
            "until": "2026-12-12T04:00:00Z",
            "change": "held",
            "windows": ["db-failover"],
        }
    ]


def test_a_new_heartbeat_monitor_and_what_its_miss_pages(
    write_config: Callable[..., Path],
) -> None:
    document = demo()
    document["heartbeats"] = {
        "nightly-backup": {"every": "1d", "grace": "30m", "impact": "major", "urgency": "high"}
    }
    done = diff(str(DEMO), str(write_config(document)), *FOUR_WEEKS)
    assert done.exit_code == 1, done.output
    lines = done.output.splitlines()
    assert lines[lines.index("Heartbeat monitors:") + 1 :][:1] == [
        "  heartbeat nightly-backup: a miss is SEV1 for platform after 1d + 30m of silence,"
        " paging Alice Byrne (alice), Dmitri Ivanov (dmitri), Frank Li (frank), Ken Adams (ken);"
        " was no such monitor"
    ]
