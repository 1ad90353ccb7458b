"""``muster import grafana-oncall``: OnCall's Terraform and API dumps become a config that loads,
whose rotations put the same people on call as OnCall did, and whose report names every
resource it could not carry over."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from muster.config.importers.grafana_oncall import import_documents, read_export
from muster.config.importers.grafana_oncall.escalation import plan_chain
from muster.config.importers.grafana_oncall.model import (
    Chain,
    Export,
    Policy,
    Schedule,
    Shift,
    User,
)
from muster.config.importers.grafana_oncall.translate import translate
from muster.config.importers.people import read_people
from muster.config.importers.report import Outcome, Report
from muster.config.importers.sources import read_documents
from muster.config.importers.writer import Imported, render
from muster.config.loader import LoadedConfig, load_text
from muster.worker.cli import cli
from tests.harness import oncall_reference

FIXTURES = Path(__file__).parent / "fixtures"
TERRAFORM = FIXTURES / "oncall_payments_tf"
API = FIXTURES / "oncall_support_api"
STATE = FIXTURES / "oncall_platform_state"
NOW = datetime(2026, 12, 7, 15, 0, tzinfo=UTC)


def imported(folder: Path, people: str = "") -> Imported:
    return import_documents(read_documents([folder]), read_people(people or "username\n"), NOW)


def loaded(result: Imported) -> LoadedConfig:
    return load_text(render(result, "Grafana OnCall"), "routing.yaml", environ={})


def lines(result: Imported, outcome: Outcome) -> list[str]:
    return [str(line) for line in result.report.lines if line.outcome is outcome]


@pytest.mark.parametrize("folder", [TERRAFORM, API, STATE], ids=["terraform", "api", "state"])
def test_the_generated_config_passes_the_config_loader(folder: Path) -> None:
    """What ``muster config check`` validates, with no environment variable set."""
    config = loaded(imported(folder)).routing.config
    assert config.services
    assert config.rotations
    assert config.people


def test_people_take_their_addresses_from_the_people_csv() -> None:
    csv = (TERRAFORM / "people.csv").read_text()
    people = loaded(imported(TERRAFORM, csv)).routing.config.people
    assert people["alice"].name == "Alice Byrne"
    assert people["alice"].addresses == {
        "email": "alice@example.com",
        "sms": "+353850000001",
        "chat": "alice",
    }


@pytest.mark.parametrize("folder", [TERRAFORM, API, STATE], ids=["terraform", "api", "state"])
def test_every_rotation_puts_oncalls_holder_on_call_for_a_year(folder: Path) -> None:
    """Every half hour of the import's year, whoever OnCall has on call (first of their group,
    layers and overrides applied, computed by the reference) is who muster has on call; where
    OnCall has nobody, muster's holder is reported as an approximation, not compared."""
    documents = read_documents([folder])
    export = read_export(documents)
    result = import_documents(documents, read_people("username\n"), NOW)
    routing = loaded(result).routing
    username = {user.id: user.username for user in export.users.values()}
    compared = 0
    for schedule in export.schedules.values():
        if not schedule.shift_ids:
            continue
        rotation = next(
            name
            for name in routing.config.rotations
            if name == schedule.name.lower().replace(" ", "-")
        )
        at = NOW.replace(hour=0, minute=0)  # the import's horizon: a year from its day's start
        while at < NOW.replace(hour=0) + timedelta(days=364):
            expected = oncall_reference.on_call(export, schedule, at)
            if expected is not None:
                assert routing.on_call(rotation, at) == username[expected], (rotation, at)
                compared += 1
            at += timedelta(minutes=30)
    assert compared > 10_000


def test_resources_muster_cannot_express_are_reported_not_dropped() -> None:
    result = imported(TERRAFORM)
    dropped = "\n".join(lines(result, Outcome.DROPPED))
    assert "grafana_oncall_outgoing_webhook.status" in dropped
    assert "trigger_webhook" in dropped
    assert "disk (full|failing)" in dropped
    approximated = "\n".join(lines(result, Outcome.APPROXIMATED))
    assert "expanded into overrides" in approximated
    assert "on call only part of each period" in approximated


def test_an_ical_schedule_and_a_resolve_step_are_reported() -> None:
    dropped = "\n".join(lines(imported(API), Outcome.DROPPED))
    assert "Support legacy calendar" in dropped
    assert "resolve" in dropped


def test_a_non_literal_terraform_value_is_reported_with_its_expression(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(
        (TERRAFORM / "main.tf")
        .read_text()
        .replace(
            'time_zone     = "Europe/Dublin"\n  rolling_users = [[data',
            'time_zone     = lookup(var.zones, "ops")\n  rolling_users = [[data',
        )
    )
    text = imported(tmp_path).report.render()
    assert 'time_zone = lookup(var.zones, "ops") is not literal' in text


def test_routes_become_intake_rules_where_labels_can_express_them() -> None:
    config = loaded(imported(TERRAFORM)).routing.config
    rules = [(rule.match, rule.services) for rule in config.intake.rules]
    assert rules == [
        ({"team": "db"}, ["database"]),
        ({"severity": "critical"}, ["payments-critical"]),
    ]
    assert config.intake.defaults.services == ["payments-critical"]
    assert config.escalation.repeat == 5


@pytest.mark.wallclock  # the command imports as of today
class TestTheCommand:
    def run(self, *args: str) -> tuple[int, str, str]:
        result = CliRunner().invoke(cli, ["import", *args])
        return result.exit_code, result.stdout, result.stderr

    def test_plan_prints_the_report_and_writes_nothing(self, tmp_path: Path) -> None:
        output = tmp_path / "routing.yaml"
        status, out, _ = self.run(
            "grafana-oncall", str(TERRAFORM), "--plan", "--output", str(output)
        )
        assert status == 0
        assert out.startswith("Grafana OnCall:")
        assert not output.exists()

    def test_writes_once_refuses_to_overwrite_and_rerunning_is_safe(self, tmp_path: Path) -> None:
        output = tmp_path / "routing.yaml"
        args = ["grafana-oncall", str(API), "--output", str(output)]
        assert self.run(*args)[0] == 0
        assert self.run(*args)[1].endswith("unchanged\n")
        output.write_text("edited\n")
        status, _, err = self.run(*args)
        assert status == 1
        assert "--force" in err
        assert self.run(*args, "--force")[0] == 0

    def test_bad_input_is_one_line_and_status_1(self, tmp_path: Path) -> None:
        broken = tmp_path / "main.tf"
        broken.write_text('resource "grafana_oncall_schedule" "x" {\n  name = \n')
        for path in (str(broken), str(tmp_path / "missing.tf")):
            status, _, err = self.run("grafana-oncall", path, "--plan")
            assert status == 1
            assert len(err.strip().splitlines()) == 1
            assert "Traceback" not in err

    def test_an_unknown_source_is_a_usage_error(self) -> None:
        assert self.run("opsgenie-classic", str(API))[0] == 2


def test_chain_timing_muster_cannot_keep_is_reported() -> None:
    """A wait before the first page, and two notify steps with no wait between (OnCall pages
    them together; muster one ack_within apart), are approximations."""
    chain = Chain(
        id="F1",
        name="Night",
        steps=[
            Policy(id="E0", chain_id="F1", position=0, type="wait", duration=60),
            Policy(id="E1", chain_id="F1", position=1, type="notify_persons", persons=["U1"]),
            Policy(id="E2", chain_id="F1", position=2, type="notify_persons", persons=["U2"]),
        ],
    )
    report = Report("test")
    plan = plan_chain(chain, "night", lambda _: None, lambda user: f"{user}-direct", report)
    assert plan.levels == ["U1-direct", "U2-direct"]
    outcomes = [(line.outcome, line.text) for line in report.lines]
    assert outcomes[0] == (Outcome.APPROXIMATED, "wait 1m; muster pages at once")
    assert outcomes[1] == (Outcome.MAPPED, "level U1-direct of service night")
    assert outcomes[2][0] is Outcome.APPROXIMATED
    assert "paged with the step before" in outcomes[2][1]


def test_hourly_turns_where_clocks_change_are_written_out_as_overrides(tmp_path: Path) -> None:
    """OnCall counts a 12-hourly follow-the-sun on Dublin's wall clock; muster's sub-day turns
    are elapsed time, so the import writes the year out: the same holders, DST or not."""
    state = (STATE / "terraform.tfstate.json").read_text().replace('"UTC"', '"Europe/Dublin"')
    (tmp_path / "terraform.tfstate.json").write_text(state)
    documents = read_documents([tmp_path])
    export = read_export(documents)
    result = import_documents(documents, read_people("username\n"), NOW)
    assert "daylight saving" in result.report.render()
    routing = loaded(result).routing
    schedule = export.schedules["SPLAT000001"]
    at = NOW + timedelta(days=1)
    while at < NOW + timedelta(days=360):
        expected = oncall_reference.on_call(export, schedule, at)
        if expected is not None:
            assert routing.on_call("platform", at) == export.users[expected].username, at
        at += timedelta(minutes=30)


def test_a_weekly_shift_running_past_its_week_start_is_written_out() -> None:
    """A Monday shift of 25 hours in weeks starting on Tuesday holds until Tuesday 01:00, past
    the handoff muster's rotation would make at Tuesday 00:00: the layer is written out as
    overrides instead, and OnCall's holder is muster's all year (found by the property test)."""
    shift = Shift(
        id="base",
        name="base",
        type="rolling_users",
        start="2026-01-01T00:00:00",
        duration=90000,
        frequency="weekly",
        by_day=["MO"],
        week_start="TU",
        time_zone="Europe/Dublin",
        rolling_users=[["U0"], ["U1"]],
    )
    schedule = Schedule(
        id="S", name="Team", type="calendar", time_zone="Europe/Dublin", shift_ids=["base"]
    )
    export = Export(
        users={user: User(id=user, username=user.lower()) for user in ("U0", "U1")},
        schedules={"S": schedule},
        shifts={"base": shift},
    )
    result = translate(export, read_people("username\n"), NOW)
    assert "runs past the end of its week" in result.report.render()
    routing = loaded(result).routing
    at = NOW + timedelta(days=1)
    while at < NOW + timedelta(days=360):
        expected = oncall_reference.on_call(export, schedule, at)
        if expected is not None:
            assert routing.on_call("team", at) == expected.lower(), at
        at += timedelta(minutes=30)
