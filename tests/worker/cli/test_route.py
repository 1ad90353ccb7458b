"""``muster route``: the dry run ops trust before and after an edit."""

from __future__ import annotations

import json
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from muster.worker.cli import cli
from tests.harness.configs import DEMO, EXAMPLE, EXAMPLE_ENV
from tests.harness.gapped_chains import EMPTY_MIDDLE, gapped_demo

# Without --at the dry run asks the real clock.
pytestmark = pytest.mark.wallclock

SEV1_PAYMENTS = ["route", "--impact", "critical", "--urgency", "high", "--service", "payments-api"]


def run(*args: str, env: dict[str, str] | None = None) -> Any:
    return CliRunner().invoke(cli, list(args), env=env or {})


class TestRouteText:
    def test_shows_severity_people_roles_kinds_and_escalation(self) -> None:
        """The text answer lists who is paged for what and how, then the escalation timeline."""
        result = run(*SEV1_PAYMENTS, "--at", "2026-11-25T12:00:00Z", "--config", str(DEMO))
        assert result.exit_code == 0, result.output
        out = result.output
        assert out.startswith("SEV1  (impact critical x urgency high)")
        assert "Bob Okafor (bob)" in out
        assert "Incident commander: sms, email, chat" in out
        assert "Scribe: email (for sms), chat" in out
        assert "SME payments-api: sms, email, chat" in out
        assert "if nobody acknowledges within 5m" in out
        assert "+5m     12:05  Incident commander -> eng-managers: Laura Diaz (laura)" in out

    def test_an_empty_level_is_passed_at_once(self, tmp_path: Any) -> None:
        """Commanders, an empty rotation, then eng managers: the gap and Laura both at +5m, as
        the worker pages them — a level with nobody on call adds no delay."""
        config = tmp_path / "routing.yaml"
        config.write_text(yaml.safe_dump(gapped_demo(EMPTY_MIDDLE)))
        result = run(*SEV1_PAYMENTS, "--at", "2026-11-25T12:00:00Z", "--config", str(config))
        assert result.exit_code == 0, result.output
        commander = [line for line in result.output.splitlines() if "Incident commander ->" in line]
        assert commander == [
            "  +5m     12:05  Incident commander -> nobody: NOBODY on call",
            "  +5m     12:05  Incident commander -> eng-managers: Laura Diaz (laura)",
        ]

    def test_shows_the_limits_the_pages_count_against(self, tmp_path: Any) -> None:
        """Per kind, a person's own where it differs, and the first page that is never held."""
        config = tmp_path / "routing.yaml"
        config.write_text(
            DEMO.read_text()
            + "limits:\n  kinds: {chat: null}\n  people: {heidi: {sms: {max: 9, per: 10m}}}\n"
        )
        result = run(*SEV1_PAYMENTS, "--at", "2026-11-25T12:00:00Z", "--config", str(config))
        assert result.exit_code == 0, result.output
        assert "  sms 5/15m, email 20/15m, chat unlimited\n  heidi: sms 9/10m\n" in result.output
        assert "the first page (bob by sms) is never held: highest severity" in result.output
        sev3 = ["route", "--impact", "minor", "--urgency", "low", "--service", "search"]
        lower = run(*sev3, "--at", "2026-11-25T12:00:00Z", "--config", str(config))
        assert "never held" not in lower.output
        as_json = json.loads(
            run(*SEV1_PAYMENTS, "--config", str(config), "--format", "json").output
        )
        assert as_json["limits"]["kinds"] == {"sms": "5/15m", "email": "20/15m", "chat": None}

    def test_wall_clock_at_is_read_in_the_config_timezone(self) -> None:
        """--at without an offset is Dublin time: summer 10:00 local is 09:00 UTC."""
        result = run(*SEV1_PAYMENTS, "--at", "2026-07-01T10:00", "--config", str(DEMO))
        assert "at 2026-07-01 09:00 UTC = 2026-07-01 10:00 Europe/Dublin" in result.output

    def test_unknown_service_is_flagged(self) -> None:
        """An unknown service is shown as such, with the team it falls back to."""
        result = run(*SEV1_PAYMENTS, "--service", "ghost", "--config", str(DEMO))
        assert "ghost (UNKNOWN -> platform)" in result.output

    def test_unknown_impact_is_a_usage_error(self) -> None:
        """A value the config does not define fails with the values it does."""
        result = run(
            "route",
            "--impact",
            "huge",
            "--urgency",
            "high",
            "--service",
            "x",
            "--config",
            str(DEMO),
        )
        assert result.exit_code == 2
        assert "unknown impact 'huge'" in result.output

    def test_bad_at_is_a_usage_error(self) -> None:
        """--at must be a time."""
        result = run(*SEV1_PAYMENTS, "--at", "teatime", "--config", str(DEMO))
        assert result.exit_code == 2
        assert "is not a time" in result.output

    @pytest.mark.parametrize(
        "at", ["9999-12-31T23:59", "9999-12-31T23:59:59-12:00", "0001-01-01T00:00", "1969-12-31"]
    )
    def test_a_time_at_the_calendars_ends_is_a_usage_error(self, at: str) -> None:
        """Rotations count days from --at: the calendar's last day overflowed that, a traceback
        where one line belongs."""
        result = run(*SEV1_PAYMENTS, "--at", at, "--config", str(DEMO))
        assert result.exit_code == 2
        assert "is out of range: give a time from 1970 to 8999" in result.output
        assert result.exception is None or isinstance(result.exception, SystemExit)


class TestRouteJson:
    def test_json_is_the_scripting_contract(self) -> None:
        """--format json gives the same answer as data."""
        result = run(
            *SEV1_PAYMENTS,
            "--at",
            "2026-11-25T12:00:00Z",
            "--format",
            "json",
            "--config",
            str(DEMO),
        )
        report = json.loads(result.output)
        assert report["severity"] == "SEV1"
        assert [p["person"] for p in report["pages"]] == ["bob", "dmitri", "frank", "heidi"]
        assert report["pages"][2]["contacts"][0] == {"kind": "email", "requested": "sms"}
        first = report["escalation"][0]
        assert first == {
            "after": "5m",
            "at": "2026-11-25T12:05:00Z",
            "role": "incident_commander",
            "service": None,
            "level": 1,
            "round": 0,
            "rotation": "eng-managers",
            "person": "laura",
            "name": "Laura Diaz",
        }


def test_no_secret_in_any_output() -> None:
    """With real-looking secrets in the environment, nothing printed contains one."""
    for output in ("text", "json"):
        result = run(*SEV1_PAYMENTS, "--format", output, "--config", str(EXAMPLE), env=EXAMPLE_ENV)
        assert result.exit_code == 0, result.output
        for secret in EXAMPLE_ENV.values():
            assert secret not in result.output
        assert "slack://****/#incidents" in result.output
        assert "slack://****/#payments-incidents" in result.output


def test_invalid_config_prints_every_error_and_fails() -> None:
    """The dry run refuses a broken config, listing its errors."""
    result = run(*SEV1_PAYMENTS, "--config", str(EXAMPLE))
    assert result.exit_code == 1
    assert "environment variable SLACK_TOKEN is not set" in result.output


def webhook(status: str = "firing", **labels: str) -> dict[str, Any]:
    return {
        "version": "4",
        "groupKey": '{}:{alertname="PaymentsDown"}',
        "status": status,
        "alerts": [
            {
                "status": status,
                "labels": {"alertname": "PaymentsDown", **labels},
                "annotations": {"summary": "Payments API is down"},
                "startsAt": "2026-12-02T10:00:00Z",
            }
        ],
    }


class TestRouteAlert:
    """``--alert FILE.json``: what a webhook body would page, through the intake's own rules."""

    def write(self, tmp_path: Any, body: dict[str, Any]) -> str:
        path = tmp_path / "alert.json"
        path.write_text(json.dumps(body))
        return str(path)

    def test_a_firing_group_is_routed_as_its_declaration(self, tmp_path: Any) -> None:
        """The demo's rule maps severity=critical to critical x high: SEV1 on payments-api."""
        alert = self.write(tmp_path, webhook(service="payments-api", severity="critical"))
        at = ["--at", "2026-11-25T12:00:00Z", "--config", str(DEMO)]
        result = run("route", "--alert", alert, *at, "--format", "json")
        assert result.exit_code == 0, result.output
        report = json.loads(result.output)
        assert report["severity"] == "SEV1"
        assert report["alert"]["title"] == "Payments API is down"
        assert report["alert"]["fingerprint"].startswith("alerts:alertmanager:")
        assert [page["person"] for page in report["pages"]] == ["bob", "dmitri", "frank", "heidi"]

    def test_the_defaults_classify_an_alert_without_levels(self, tmp_path: Any) -> None:
        alert = self.write(tmp_path, webhook(service="search"))
        result = run(
            "route", "--alert", alert, "--at", "2026-11-25T12:00:00Z", "--config", str(DEMO)
        )
        assert result.exit_code == 0, result.output
        assert result.output.splitlines()[2].startswith("SEV3  (impact minor x urgency medium)")

    def test_a_resolved_notification_pages_nobody(self, tmp_path: Any) -> None:
        alert = self.write(tmp_path, webhook("resolved", service="search"))
        result = run("route", "--alert", alert, "--config", str(DEMO))
        assert result.exit_code == 0
        assert "resolves" in result.output

    def test_a_body_that_is_no_webhook_is_a_usage_error(self, tmp_path: Any) -> None:
        alert = self.write(tmp_path, {"alerts": "nope"})
        result = run("route", "--alert", alert, "--config", str(DEMO))
        assert result.exit_code == 2
        assert "no alert webhook" in result.output


class TestRouteHeartbeat:
    """``--heartbeat NAME``: what a monitor's miss would page, through the same declaration."""

    def config(self, tmp_path: Any) -> str:
        document = yaml.safe_load(DEMO.read_text())
        document["heartbeats"] = {
            "nightly-backup": {
                "every": "1d",
                "grace": "2h",
                "impact": "critical",
                "urgency": "high",
            },
            "watchdog": {"every": "1m", "impact": "minor", "urgency": "high", "service": "search"},
        }
        path = tmp_path / "routing.yaml"
        path.write_text(yaml.safe_dump(document))
        return str(path)

    def test_a_miss_is_routed_as_its_declaration(self, tmp_path: Any) -> None:
        at = ["--at", "2026-11-25T12:00:00Z", "--config", self.config(tmp_path)]
        result = run("route", "--heartbeat", "nightly-backup", *at, "--format", "json")
        assert result.exit_code == 0, result.output
        report = json.loads(result.output)
        assert report["heartbeat"] == {
            "name": "nightly-backup",
            "every": "1d",
            "grace": "2h",
            "title": "Heartbeat nightly-backup missed",
            "fingerprint": "heartbeat:nightly-backup",
        }
        assert report["severity"] == "SEV1"
        assert [s["service"] for s in report["services"]] == ["platform"]  # the fallback

    def test_the_text_names_the_monitor(self, tmp_path: Any) -> None:
        at = ["--at", "2026-11-25T12:00:00Z", "--config", self.config(tmp_path)]
        result = run("route", "--heartbeat", "watchdog", *at)
        assert result.exit_code == 0, result.output
        first, _, severity = result.output.splitlines()[:3]
        assert first == (
            "heartbeat watchdog silent past every 1m + grace 1m -> 'Heartbeat watchdog missed'"
        )
        assert severity.startswith("SEV2")

    def test_an_unknown_monitor_is_a_usage_error(self, tmp_path: Any) -> None:
        result = run("route", "--heartbeat", "nope", "--config", self.config(tmp_path))
        assert result.exit_code == 2
        assert "no heartbeat monitor 'nope': the config defines nightly-backup, watchdog" in (
            result.output
        )
