"""A whole PagerDuty export as a muster config document, and the report of every resource.

An escalation policy pages its rules' targets in order, waiting ``escalation_delay_in_minutes``
after each, and loops ``num_loops`` times; muster's service pages its SME rotation, then each
``escalate_to`` rotation one ``ack_within`` after the last, and repeats ``escalation.repeat``
times. So each PagerDuty service becomes a muster service paging its policy's targets, the
delays become ``ack_within`` and the loops ``repeat`` (config-wide: a policy that differs is
reported); a policy no service uses becomes a service of its own name.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from muster.config.importers.assembly import Assembly
from muster.config.importers.pagerduty.model import Export, Policy, Service
from muster.config.importers.pagerduty.schedules import translate_schedule
from muster.config.importers.people import PeopleTable
from muster.config.importers.writer import Imported

SOURCE = "PagerDuty"
HORIZON = timedelta(days=365)
"""How far ahead what a rotation cannot say is written out as overrides."""
MAX_REPEAT = 10
"""muster's ``escalation.repeat`` at most."""


class _Translation(Assembly):
    """One PagerDuty translation's running state."""

    def __init__(self, export: Export, people: PeopleTable, now: datetime, horizon: timedelta):
        zones = [s.time_zone for s in export.schedules.values()]
        super().__init__(SOURCE, zones, people, now, horizon, export.skipped)
        self.export = export
        self.levels: dict[str, list[str]] = {}  # policy id → its levels

    def people_section(self) -> None:
        for user in self.export.users.values():
            self.roster.add(
                user.id, user.email or user.name, user.email, user.name, user.addresses, user.unused
            )

    def schedules_section(self) -> None:
        for schedule in self.export.schedules.values():
            what = repr(schedule.name)
            translated = translate_schedule(
                schedule, self.roster.person_of.get, self.zone, self.now, self.horizon
            )
            for name, problem in translated.dropped:
                self.report.dropped("layer", f"{schedule.name!r} {name!r}", problem)
            if not translated.rotation["members"]:
                self.report.dropped("schedule", what, "its layers name no user among the files")
                continue
            notes = [*schedule.notes, *translated.notes]
            self.add_rotation(
                (schedule.id, schedule.name), translated.rotation, translated.overrides, notes
            )
            self.covered_until(translated.covered_until)

    def _policy_levels(self, policy: Policy) -> tuple[list[str], list[int]]:
        """The policy's levels and the waits between them (seconds), reporting each rule."""
        levels: list[str] = []
        waits: list[int] = []
        for position, rule in enumerate(policy.rules):
            what = f"{policy.name!r} rule {position}"
            found = []
            for kind, target in rule.targets:
                if kind in ("schedule_reference", "schedule"):
                    rotation = self.rotation_of.get(target)
                elif kind in ("user_reference", "user"):
                    rotation = self.roster.direct_rotation(target)
                else:
                    self.report.dropped("escalation rule", what, f"target type {kind!r}")
                    continue
                if rotation is None:
                    self.report.dropped("escalation rule", what, f"{target} is not among the files")
                else:
                    found.append(rotation)
            new = [rotation for rotation in found if rotation not in levels]
            if not new:
                continue
            if levels:
                waits.append(policy.rules[position - 1].delay * 60)
            levels += new
            text = f"level{'s' if len(new) > 1 else ''} {', '.join(new)}"
            if len(new) > 1:
                self.report.approximated(
                    "escalation rule", what, f"{text}: PagerDuty pages them at once, muster in turn"
                )
            else:
                self.report.mapped("escalation rule", what, text)
        return levels, waits

    def services_section(self) -> tuple[int, int]:
        """The services; returns the ack_within (seconds) and repeat every service gets."""
        timings = []
        used = {service.policy for service in self.export.services.values()}
        planned = {}
        for policy in self.export.policies.values():
            for note in policy.notes:
                self.report.approximated("escalation policy", repr(policy.name), note)
            planned[policy.id] = (policy, *self._policy_levels(policy))
        chains: list[tuple[str, str | None, Service | None]] = [
            (service.name, service.policy, service) for service in self.export.services.values()
        ]
        chains += [(p.name, p.id, None) for p in self.export.policies.values() if p.id not in used]
        for name, policy_id, service in chains:
            kind = "service" if service else "escalation policy"
            if policy_id not in planned:
                self.report.dropped(
                    kind, repr(name), "its escalation policy is not among the files"
                )
                continue
            policy, levels, waits = planned[policy_id]
            muster_name = self.service_names.new(name, "service")
            if self.add_service(kind, name, muster_name, levels):
                repeat = min(policy.loops, MAX_REPEAT)
                timings.append((muster_name, waits, repeat))
            if service and service.acknowledgement_timeout:
                self.report.approximated(
                    "service", repr(name), "acknowledgement_timeout: muster never re-opens an ack"
                )
            if service and service.auto_resolve_timeout:
                self.report.approximated(
                    "service", repr(name), "auto_resolve_timeout: muster never resolves by itself"
                )
        return self.timing("service", timings)


def translate(
    export: Export, people: PeopleTable, now: datetime, horizon: timedelta = HORIZON
) -> Imported:
    """The config document for ``export`` at ``now``, and its report."""
    state = _Translation(export, people, now, horizon)
    state.people_section()
    state.schedules_section()
    ack_within, repeat = state.services_section()
    state.unrouted("integration keys and event rules")
    return state.imported(ack_within, repeat, defaults=list(state.services)[:1])
