"""Reading Terraform: literal values resolved as Terraform would, everything else kept as its
expression for the report — never guessed, never an error."""

from __future__ import annotations

import pytest

from muster.config.importers.sources import SourceError
from muster.config.importers.terraform import (
    TerraformResource,
    Unresolved,
    is_state,
    read_configuration,
    read_state,
)

MODULE = """
variable "zone" { default = "Europe/Dublin" }
variable "team" {}
locals {
  prefix = "payments"
  week   = 60 * 60 * 24 * 7
}
data "grafana_oncall_user" "alice" { username = "alice" }
resource "grafana_oncall_schedule" "primary" {
  name      = "${local.prefix} primary (${var.team})"
  time_zone = var.zone
  shifts    = [grafana_oncall_on_call_shift.week.id]
}
resource "grafana_oncall_on_call_shift" "week" {
  name          = "week"
  duration      = local.week
  time_zone     = grafana_oncall_schedule.primary.time_zone
  rolling_users = [[data.grafana_oncall_user.alice.id]]
  level         = lookup(var.levels, "primary")
}
resource "grafana_oncall_escalation" "each" {
  count = length(var.steps)
  type  = "wait"
}
"""


def resources(text: str = MODULE, tfvars: str = "") -> dict[str, TerraformResource]:
    extra = [("terraform.tfvars", tfvars)] if tfvars else []
    return {r.address: r for r in read_configuration([("main.tf", text)], extra)}


class TestLiteralValues:
    def test_variables_locals_and_arithmetic_resolve(self) -> None:
        shift = resources()["grafana_oncall_on_call_shift.week"].values
        assert shift["duration"] == 604800
        assert shift["time_zone"] == "Europe/Dublin"  # through another resource's attribute

    def test_a_tfvars_value_wins_over_a_default_and_fills_one_without(self) -> None:
        schedule = resources(tfvars='zone = "UTC"\nteam = "core"\n')[
            "grafana_oncall_schedule.primary"
        ]
        assert schedule.values["time_zone"] == "UTC"
        assert schedule.values["name"] == "payments primary (core)"

    def test_a_reference_to_an_id_is_the_resources_address(self) -> None:
        found = resources()
        assert found["grafana_oncall_schedule.primary"].values["shifts"] == [
            "grafana_oncall_on_call_shift.week"
        ]
        assert found["grafana_oncall_on_call_shift.week"].values["rolling_users"] == [
            ["data.grafana_oncall_user.alice"]
        ]
        assert found["data.grafana_oncall_user.alice"].mode == "data"


class TestWhatIsNotLiteral:
    def test_a_function_call_stays_its_expression(self) -> None:
        level = resources()["grafana_oncall_on_call_shift.week"].values["level"]
        assert level == Unresolved('lookup(var.levels, "primary")')

    def test_a_template_with_an_unset_variable_stays_the_whole_template(self) -> None:
        name = resources()["grafana_oncall_schedule.primary"].values["name"]
        assert name == Unresolved("${local.prefix} primary (${var.team})")

    def test_count_marks_the_resource_as_repeated(self) -> None:
        step = resources()["grafana_oncall_escalation.each"]
        assert step.repeated == Unresolved("${length(var.steps)}")

    def test_a_reference_to_a_resource_not_in_the_files_is_unresolved(self) -> None:
        text = 'resource "r" "r" { integration_id = grafana_oncall_integration.x.id }'
        route = resources(text)["r.r"]
        assert route.values["integration_id"] == Unresolved("grafana_oncall_integration.x.id")

    def test_a_self_referencing_local_stops(self) -> None:
        text = 'locals { a = local.a }\nresource "x" "y" { v = local.a }'
        assert isinstance(resources(text)["x.y"].values["v"], Unresolved)


def test_invalid_hcl_is_a_source_error_naming_the_file() -> None:
    with pytest.raises(SourceError, match=r"^main\.tf: not valid Terraform"):
        resources('resource "a" "b" {\n  name = \n')


def test_state_resources_come_from_the_root_and_child_modules() -> None:
    state = {
        "format_version": "1.0",
        "values": {
            "root_module": {
                "resources": [
                    {
                        "address": "data.a.b",
                        "mode": "data",
                        "type": "a",
                        "name": "b",
                        "values": {"id": "U1"},
                    },
                ],
                "child_modules": [
                    {
                        "resources": [
                            {
                                "address": "module.m.c.d",
                                "mode": "managed",
                                "type": "c",
                                "name": "d",
                                "values": {"id": "S1", "n": 3},
                            }
                        ]
                    },
                ],
            }
        },
    }
    assert is_state(state)
    found = read_state(state)
    assert [(r.address, r.id) for r in found] == [("data.a.b", "U1"), ("module.m.c.d", "S1")]
    assert not is_state({"results": []})
