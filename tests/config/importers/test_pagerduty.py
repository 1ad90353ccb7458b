"""``muster import pagerduty``: PagerDuty's Terraform becomes a config that loads, whose
rotations put PagerDuty's holder on call, and whose report names every resource it could not
carry over."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from muster.config.importers.pagerduty import import_documents, read_export
from muster.config.importers.people import read_people
from muster.config.importers.report import Outcome
from muster.config.importers.sources import read_documents
from muster.config.importers.writer import Imported, render
from muster.config.loader import LoadedConfig, load_text
from muster.worker.cli import cli
from tests.harness import pagerduty_reference

TERRAFORM = Path(__file__).parent / "fixtures" / "pagerduty_platform_tf"
NOW = datetime(2026, 12, 7, 15, 0, tzinfo=UTC)


def imported(folder: Path = TERRAFORM, people: str = "") -> Imported:
    return import_documents(read_documents([folder]), read_people(people or "username\n"), NOW)


def loaded(result: Imported) -> LoadedConfig:
    return load_text(render(result, "PagerDuty"), "routing.yaml", environ={})


def test_the_generated_config_passes_the_config_loader_with_the_people_csv() -> None:
    config = loaded(imported(people=(TERRAFORM / "people.csv").read_text())).routing.config
    assert config.people["ana"].addresses == {
        "email": "ana@example.com",
        "sms": "+14155550101",
        "chat": "ana",
    }
    assert set(config.services) == {"api-gateway", "data-pipeline"}


def test_every_schedule_puts_pagerdutys_holder_on_call_for_a_year() -> None:
    """Every half hour of the import's year, whoever PagerDuty has on call (the top layer with
    someone, restrictions masking, computed by the reference) is who muster has on call; where
    PagerDuty has nobody, muster's holder is an approximation, reported."""
    documents = read_documents([TERRAFORM])
    export = read_export(documents)
    result = import_documents(documents, read_people("username\n"), NOW)
    routing = loaded(result).routing
    person = {
        user.id: result.person_names[(user.email or "").lower()] for user in export.users.values()
    }
    compared = 0
    for schedule in export.schedules.values():
        rotation = result.rotation_names[schedule.name]
        assert result.horizon is not None
        at, until = result.horizon  # a year from the import's day, in the config's zone
        while at < until:
            expected = pagerduty_reference.on_call(schedule, at)
            if expected is not None:
                assert routing.on_call(rotation, at) == person[expected], (rotation, at)
                compared += 1
            at += timedelta(minutes=30)
    assert compared > 25_000


def test_resources_muster_cannot_express_are_reported_not_dropped() -> None:
    report = imported().report
    dropped = "\n".join(str(line) for line in report.lines if line.outcome is Outcome.DROPPED)
    assert "pagerduty_team.platform" in dropped
    assert "pagerduty_service_integration.gateway_events" in dropped
    assert "pagerduty_schedule.per_region: count/for_each" in dropped
    assert "'Billing': its escalation policy is not among the files" in dropped
    approximated = "\n".join(
        str(line) for line in report.lines if line.outcome is Outcome.APPROXIMATED
    )
    assert "contact methods phone" in approximated
    assert "'Nights' is restricted to some hours" in approximated
    assert "'Business hours' expanded into overrides" in approximated
    assert "PagerDuty pages them at once" in approximated
    assert "auto_resolve_timeout" in approximated
    assert "waits ['30m'] and repeat 0" in approximated


def test_rules_become_levels_delays_ack_within_and_loops_repeat() -> None:
    config = loaded(imported()).routing.config
    gateway = config.services["api-gateway"]
    assert gateway.smes == "platform-primary"
    assert gateway.escalate_to == ["platform-nights", "dana-direct", "eli-direct"]
    assert config.severity.levels["SEV1"].ack_within == timedelta(minutes=10)
    assert config.escalation.repeat == 2


def test_a_daily_layer_keeps_its_local_handoff_across_daylight_saving() -> None:
    """The nights layer hands over every other day at 18:00 Pacific: 02:00 UTC in winter,
    01:00 in summer."""
    routing = loaded(imported()).routing
    for day, hour in (
        (datetime(2027, 1, 12, tzinfo=UTC), 2),
        (datetime(2027, 7, 13, tzinfo=UTC), 1),
    ):
        before = routing.on_call("platform-nights", day.replace(hour=hour) - timedelta(minutes=1))
        after = routing.on_call("platform-nights", day.replace(hour=hour) + timedelta(minutes=1))
        assert {before, after} == {"eli", "dana"}


@pytest.mark.wallclock  # the command imports as of today
def test_plan_prints_the_report_and_writes_nothing(tmp_path: Path) -> None:
    output = tmp_path / "routing.yaml"
    result = CliRunner().invoke(
        cli, ["import", "pagerduty", str(TERRAFORM), "--plan", "--output", str(output)]
    )
    assert result.exit_code == 0
    assert result.stdout.startswith("PagerDuty:")
    assert not output.exists()
