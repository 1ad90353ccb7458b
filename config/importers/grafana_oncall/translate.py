"""A whole OnCall export as a muster config document, and the report of every resource."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from muster.config.importers.assembly import Assembly
from muster.config.importers.grafana_oncall.escalation import (
    ONCALL_REPEATS,
    ChainPlan,
    integration_rules,
    plan_chain,
)
from muster.config.importers.grafana_oncall.model import Export
from muster.config.importers.grafana_oncall.shifts import translate_schedule
from muster.config.importers.people import PeopleTable
from muster.config.importers.writer import Imported

SOURCE = "Grafana OnCall"
HORIZON = timedelta(days=365)
"""How far ahead what a rotation cannot say is written out as overrides."""


class _Translation(Assembly):
    """One OnCall translation's running state."""

    def __init__(self, export: Export, people: PeopleTable, now: datetime, horizon: timedelta):
        zones = [s.time_zone for s in export.schedules.values()]
        zones += [s.time_zone for s in export.shifts.values()]
        super().__init__(SOURCE, zones, people, now, horizon, export.skipped)
        self.export = export
        self.plans: list[ChainPlan] = []
        self.service_of: dict[str, str] = {}

    def people_section(self) -> None:
        for user in self.export.users.values():
            self.roster.add(user.id, user.username, user.email, user.name)

    def schedules_section(self) -> None:
        export = self.export
        in_schedule = {shift_id for s in export.schedules.values() for shift_id in s.shift_ids}
        for shift in export.shifts.values():
            if shift.id not in in_schedule:
                self.report.dropped("shift", repr(shift.name), "belongs to no schedule here")
        for schedule in export.schedules.values():
            shifts = [export.shifts[i] for i in schedule.shift_ids if i in export.shifts]
            what = repr(schedule.name)
            if not shifts:
                why = (
                    "an iCal feed: muster reads no calendars"
                    if schedule.ical_urls
                    else ("has no shifts among the files")
                )
                self.report.dropped("schedule", what, why)
                continue
            translated = translate_schedule(
                schedule, shifts, self.roster.person_of.get, self.zone, self.now, self.horizon
            )
            for shift_name, problem in translated.dropped:
                self.report.dropped("shift", repr(shift_name), problem)
            if not translated.rotation["members"]:
                self.report.dropped("schedule", what, "its shifts name no user among the files")
                continue
            notes = [*schedule.notes, *(n for s in shifts for n in s.notes), *translated.notes]
            self.add_rotation(
                (schedule.id, schedule.name), translated.rotation, translated.overrides, notes
            )

    def chains_section(self) -> tuple[int, int]:
        """The services; returns the ack_within (seconds) and repeat every chain gets."""
        for chain in self.export.chains.values():
            service = self.service_names.new(chain.name, "service")
            plan = plan_chain(
                chain, service, self.rotation_of.get, self.roster.direct_rotation, self.report
            )
            if self.add_service("escalation chain", chain.name, service, plan.levels):
                self.plans.append(plan)
                self.service_of[chain.id] = service
        timings = [
            (plan.service, plan.waits, ONCALL_REPEATS if plan.repeats else 0) for plan in self.plans
        ]
        return self.timing("escalation chain", timings)

    def intake_section(self) -> tuple[list[dict[str, Any]], list[str]]:
        rules: list[dict[str, Any]] = []
        defaults: list[str] = []
        for integration in self.export.integrations.values():
            found, default = integration_rules(integration, self._service, self.report)
            rules += found
            what = repr(integration.name)
            if default:
                defaults.append(default)
                self.report.mapped("integration", what, f"alerts default to service {default}")
            else:
                self.report.approximated("integration", what, "no default route imported")
        if len(set(defaults)) > 1:
            self.report.approximated(
                "integration",
                "(all)",
                f"muster's intake has one default service: {defaults[0]}; alerts of the"
                " others' default routes need a rule",
            )
        return rules, defaults

    def _service(self, chain_id: str | None) -> str | None:
        return self.service_of.get(chain_id or "")


def translate(
    export: Export, people: PeopleTable, now: datetime, horizon: timedelta = HORIZON
) -> Imported:
    """The config document for ``export`` at ``now``, and its report."""
    state = _Translation(export, people, now, horizon)
    state.people_section()
    state.schedules_section()
    ack_within, repeat = state.chains_section()
    rules, defaults = state.intake_section()
    return state.imported(ack_within, repeat, rules, defaults)
