"""``muster import opsgenie``: Opsgenie's Terraform and API v2 dumps become a config that loads,
whose rotations put someone Opsgenie has on call on call, and whose report names every resource
it could not carry over."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from muster.config.importers.opsgenie import import_documents, read_export
from muster.config.importers.opsgenie.escalation import plan_escalation
from muster.config.importers.opsgenie.model import (
    Escalation,
    Export,
    Override,
    Rotation,
    Rule,
    Schedule,
    User,
)
from muster.config.importers.opsgenie.translate import translate
from muster.config.importers.people import read_people
from muster.config.importers.report import Outcome, Report
from muster.config.importers.sources import read_documents
from muster.config.importers.writer import Imported, render
from muster.config.loader import LoadedConfig, load_text
from muster.worker.cli import cli
from tests.harness import opsgenie_reference

FIXTURES = Path(__file__).parent / "fixtures"
TERRAFORM = FIXTURES / "opsgenie_checkout_tf"
API = FIXTURES / "opsgenie_support_api"
NOW = datetime(2026, 12, 7, 15, 0, tzinfo=UTC)


def imported(folder: Path, people: str = "") -> Imported:
    return import_documents(read_documents([folder]), read_people(people or "username\n"), NOW)


def loaded(result: Imported) -> LoadedConfig:
    return load_text(render(result, "Opsgenie"), "routing.yaml", environ={})


def lines(result: Imported, outcome: Outcome) -> str:
    return "\n".join(str(line) for line in result.report.lines if line.outcome is outcome)


@pytest.mark.parametrize("folder", [TERRAFORM, API], ids=["terraform", "api"])
def test_the_generated_config_passes_the_config_loader(folder: Path) -> None:
    """What ``muster config check`` validates, with no environment variable set."""
    config = loaded(imported(folder)).routing.config
    assert config.services
    assert config.rotations
    assert config.people


def test_people_take_contact_methods_from_the_files_and_the_rest_from_the_csv() -> None:
    csv = (TERRAFORM / "people.csv").read_text()
    people = loaded(imported(TERRAFORM, csv)).routing.config.people
    assert people["alice"].name == "Alice Byrne"
    assert people["alice"].addresses == {
        "email": "alice@example.com",
        "sms": "44-7700900001",
        "chat": "alice",
    }
    api = loaded(imported(API)).routing.config.people
    assert api["maria"].addresses == {"email": "maria@example.com", "sms": "1-3125550101"}
    assert "sms" not in api["priya"].addresses  # a disabled contact method is not paged


@pytest.mark.parametrize(
    ("folder", "overlaps"), [(TERRAFORM, 1000), (API, 0)], ids=["terraform", "api"]
)
def test_every_rotation_puts_someone_opsgenie_has_on_call_on_call_for_a_year(
    folder: Path, overlaps: int
) -> None:
    """Every half hour of the import's year, muster's holder is one of the people Opsgenie has
    on call (every rotation at once, restrictions masking, overrides replacing; computed by
    the reference); where Opsgenie has nobody, muster's holder is an approximation, reported."""
    documents = read_documents([folder])
    export = read_export(documents)
    result = import_documents(documents, read_people("username\n"), NOW)
    routing = loaded(result).routing
    person = {user.id: result.person_names[user.username.lower()] for user in export.users.values()}
    compared = together = 0
    for schedule in export.schedules.values():
        if not schedule.rotations:
            continue
        rotation = result.rotation_names[schedule.name]
        at = NOW.replace(hour=0)  # the import's horizon: a year from its day's start
        while at < NOW.replace(hour=0) + timedelta(days=364):
            expected = {person[user] for user in opsgenie_reference.on_call(schedule, at)}
            if expected:
                assert routing.on_call(rotation, at) in expected, (rotation, at, expected)
                compared += 1
                together += len(expected) > 1
            at += timedelta(minutes=30)
    assert compared > 20_000
    assert together >= overlaps  # overlapping rotations are part of what was compared


def test_handoffs_keep_their_local_time_across_daylight_saving() -> None:
    """The business-hours rotation hands over at 09:00 London in winter (09:00 UTC) and in
    summer (08:00 UTC), as Opsgenie's wall-clock days do."""
    routing = loaded(imported(TERRAFORM)).routing
    for day in (datetime(2027, 1, 12, tzinfo=UTC), datetime(2027, 7, 13, tzinfo=UTC)):
        offset = 0 if day.month == 1 else 1
        before = routing.on_call("checkout-hours", day.replace(hour=8 - offset, minute=59))
        after = routing.on_call("checkout-hours", day.replace(hour=9 - offset, minute=1))
        assert before != after


def test_resources_muster_cannot_express_are_reported_not_dropped() -> None:
    result = imported(TERRAFORM)
    dropped = lines(result, Outcome.DROPPED)
    assert "opsgenie_api_integration.grafana" in dropped
    assert "opsgenie_team_routing_rule.after_hours" in dropped
    assert "team admins" in dropped
    approximated = lines(result, Outcome.APPROXIMATED)
    assert "contact methods voice" in approximated
    assert "restricted to some hours" in approximated
    assert "'Weekend days' expanded into overrides" in approximated
    assert "America/New_York is not the config's Europe/London" in approximated
    assert "Opsgenie pages the next on-call" in approximated
    assert "until closed" in approximated


def test_api_teams_as_participants_overrides_of_one_rotation_and_team_recipients() -> None:
    result = imported(API)
    approximated = lines(result, Outcome.APPROXIMATED)
    assert "team Support are turns muster cannot page" in approximated
    assert "'tom-dentist' replaces rotations Weekly Friday only" in approximated
    assert "Opsgenie pages everyone on the schedule" in approximated
    dropped = lines(result, Outcome.DROPPED)
    assert "'Holiday cover': has no rotations" in dropped
    assert "'Billing': pages nobody here" in dropped


def test_overrides_become_overrides_and_past_ones_are_left_out() -> None:
    config = loaded(imported(API)).routing.config
    primary = [o for o in config.overrides if o.rotation == "support-primary"]
    assert [(o.person, o.starts.isoformat()) for o in primary] == [
        ("lee", "2027-01-08T09:00:00-06:00"),
        ("priya", "2027-03-09T08:00:00-06:00"),
    ]


def test_a_non_literal_terraform_value_is_reported_with_its_expression(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(
        (TERRAFORM / "main.tf")
        .read_text()
        .replace("length      = local.weekly", "length      = max(var.weeks, 1)")
    )
    text = imported(tmp_path).report.render()
    assert "length = max(var.weeks, 1) is not literal" in text


def test_escalation_delays_become_levels_and_the_common_gap_ack_within() -> None:
    config = loaded(imported(TERRAFORM)).routing.config
    checkout = config.services["checkout"]
    assert checkout.smes == "checkout-primary"
    assert checkout.escalate_to == ["checkout-hours", "erin-direct"]
    assert config.escalation.repeat == 2
    assert config.severity.levels["SEV1"].ack_within == timedelta(minutes=10)


def test_rule_timing_muster_cannot_keep_is_reported() -> None:
    """A delay before the first rule, and two rules at the same delay (Opsgenie pages them
    together; muster one ack_within apart), are approximations."""
    escalation = Escalation(
        id="E",
        name="Night",
        rules=[
            Rule("if-not-acked", "default", 5, "user", "U1"),
            Rule("if-not-acked", "default", 5, "user", "U2"),
        ],
    )
    report = Report("test")
    plan = plan_escalation(escalation, "night", lambda _: None, lambda u: f"{u}-direct", report)
    assert plan.levels == ["U1-direct", "U2-direct"]
    assert [line.outcome for line in report.lines] == [Outcome.APPROXIMATED] * 2
    assert "waits 5m first" in report.lines[0].text
    assert "paged with the rule before" in report.lines[1].text


@pytest.mark.wallclock  # the command imports as of today
class TestTheCommand:
    def run(self, *args: str) -> tuple[int, str, str]:
        result = CliRunner().invoke(cli, ["import", *args])
        return result.exit_code, result.stdout, result.stderr

    def test_plan_prints_the_report_and_writes_nothing(self, tmp_path: Path) -> None:
        output = tmp_path / "routing.yaml"
        status, out, _ = self.run("opsgenie", str(TERRAFORM), "--plan", "--output", str(output))
        assert status == 0
        assert out.startswith("Opsgenie:")
        assert not output.exists()

    def test_writes_a_config_that_config_check_accepts(self, tmp_path: Path) -> None:
        output = tmp_path / "routing.yaml"
        assert self.run("opsgenie", str(API), "--output", str(output))[0] == 0
        result = CliRunner().invoke(cli, ["config", "check", str(output)])
        assert result.exit_code == 0, result.output


def test_an_import_too_long_to_write_out_holds_for_less_and_keeps_the_schedules_overrides() -> None:
    """An hourly rotation that cannot be muster's turns would be thousands of overrides a
    year: the import writes out fewer, says until when it holds (its horizon, which
    --check-shifts keeps to), and still carries the schedule's own overrides."""
    users = {name: User(id=name, username=f"{name}@example.com") for name in ("u0", "u1", "u2")}
    hourly = Rotation(
        id="R",
        name="Hourly",
        schedule_id="S",
        type="hourly",
        length=1,
        start="2026-01-01T00:00:00Z",
        participants=["u0", "u0", "u1"],
    )
    late = Override("S", "u2", "2027-11-01T09:00:00Z", "2027-11-02T09:00:00Z")
    schedule = Schedule(id="S", name="Team", timezone="UTC", rotations=[hourly], overrides=[late])
    result = translate(Export(users=users, schedules={"S": schedule}), read_people("email\n"), NOW)
    assert result.horizon is not None
    assert result.horizon[1] < NOW + timedelta(days=200)
    assert "overrides cut to 2000 or fewer" in result.report.render()
    config = loaded(result).routing.config
    assert len(config.overrides) <= 2001
    assert config.overrides[-1].person == "u2"
