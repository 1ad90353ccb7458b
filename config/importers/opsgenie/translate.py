"""A whole Opsgenie export as a muster config document, and the report of every resource."""

from __future__ import annotations

from datetime import datetime, timedelta

from muster.config.importers.assembly import Assembly
from muster.config.importers.opsgenie.escalation import Plan, plan_escalation
from muster.config.importers.opsgenie.model import Export
from muster.config.importers.opsgenie.schedules import translate_schedule
from muster.config.importers.people import PeopleTable
from muster.config.importers.writer import Imported

SOURCE = "Opsgenie"
HORIZON = timedelta(days=365)
"""How far ahead what a rotation cannot say is written out as overrides."""


class _Translation(Assembly):
    """One Opsgenie translation's running state."""

    def __init__(self, export: Export, people: PeopleTable, now: datetime, horizon: timedelta):
        zones = [s.timezone for s in export.schedules.values()]
        super().__init__(SOURCE, zones, people, now, horizon, export.skipped)
        self.export = export
        self.plans: list[Plan] = []

    def people_section(self) -> None:
        for user in self.export.users.values():
            self.roster.add(
                user.id, user.username, user.username, user.name, user.addresses, user.unused
            )
        for team in self.export.teams.values():
            members = [p for m in team.members if (p := self.roster.person(m))]
            self.report.approximated(
                "team",
                repr(team.name),
                f"muster has no teams: its {len(members)} members are people, its schedules"
                " rotations and its escalations services",
            )

    def schedules_section(self) -> None:
        for schedule in self.export.schedules.values():
            what = repr(schedule.name)
            if not schedule.rotations:
                self.report.dropped("schedule", what, "has no rotations among the files")
                continue
            translated = translate_schedule(
                schedule, self.roster.person, self.zone, self.now, self.horizon
            )
            for name, problem in translated.dropped:
                self.report.dropped("rotation", repr(name), problem)
            if not translated.rotation["members"]:
                self.report.dropped("schedule", what, "its rotations name no user among the files")
                continue
            notes = [*schedule.notes, *(n for r in schedule.rotations for n in r.notes)]
            name = self.add_rotation(
                (schedule.id, schedule.name),
                translated.rotation,
                translated.overrides,
                [*notes, *translated.notes],
            )
            self.rotation_of[schedule.name] = name  # rules may name a schedule by its name
            self.covered_until(translated.covered_until)

    def escalations_section(self) -> tuple[int, int]:
        """The services; returns the ack_within (seconds) and repeat every service gets."""
        for escalation in self.export.escalations.values():
            service = self.service_names.new(escalation.name, "service")
            plan = plan_escalation(
                escalation,
                service,
                self.rotation_of.get,
                self.roster.direct_rotation,
                self.report,
            )
            if self.add_service("escalation", escalation.name, service, plan.levels):
                self.plans.append(plan)
        timings = [(plan.service, plan.waits, plan.repeat) for plan in self.plans]
        return self.timing("escalation", timings)


def translate(
    export: Export, people: PeopleTable, now: datetime, horizon: timedelta = HORIZON
) -> Imported:
    """The config document for ``export`` at ``now``, and its report."""
    state = _Translation(export, people, now, horizon)
    state.people_section()
    state.schedules_section()
    ack_within, repeat = state.escalations_section()
    state.unrouted("team routing rules")
    return state.imported(ack_within, repeat, defaults=list(state.services)[:1])
