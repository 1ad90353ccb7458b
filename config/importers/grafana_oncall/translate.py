"""A whole OnCall export as a muster config document, and the report of every resource."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from muster.config.importers.grafana_oncall.escalation import (
    ONCALL_REPEATS,
    ChainPlan,
    format_duration_seconds,
    integration_rules,
    plan_chain,
)
from muster.config.importers.grafana_oncall.model import Export
from muster.config.importers.grafana_oncall.shifts import translate_schedule
from muster.config.importers.names import Names
from muster.config.importers.people import PeopleTable
from muster.config.importers.report import Report
from muster.config.importers.writer import Imported

SOURCE = "Grafana OnCall"
HORIZON = timedelta(days=365)
"""How far ahead what a rotation cannot say is written out as overrides."""


def _zone(export: Export) -> str:
    """The config's timezone: the one most of the schedules and shifts use."""
    named = [s.time_zone for s in export.schedules.values()] + [
        s.time_zone for s in export.shifts.values()
    ]
    counts = Counter(zone for zone in named if zone)
    for zone, _ in counts.most_common():
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: too long for a file name
            continue
        return zone
    return "UTC"


class _Translation:
    """One translation's running state: the names handed out and the sections built."""

    def __init__(self, export: Export, people: PeopleTable, now: datetime, horizon: timedelta):
        self.export, self.people, self.horizon = export, people, horizon
        self.report = Report(SOURCE)
        self.zone_name = _zone(export)
        self.zone = ZoneInfo(self.zone_name)
        # From the day's start, so that re-running the import the same day writes the same file.
        self.now = now.astimezone(self.zone).replace(hour=0, minute=0, second=0, microsecond=0)
        self.person_names, self.rotation_names, self.service_names = Names(), Names(), Names()
        self.persons: dict[str, dict[str, str]] = {}
        self.person_of: dict[str, str] = {}
        self.known_as: dict[str, str] = {}  # username, email, display name (lower) → person
        self.rotations: dict[str, dict[str, Any]] = {}
        self.overrides: list[dict[str, Any]] = []
        self.rotation_of: dict[str, str] = {}
        self.schedule_rotations: dict[str, str] = {}  # schedule name → rotation
        self.direct: dict[str, str] = {}
        self.services: dict[str, dict[str, Any]] = {}
        self.plans: list[ChainPlan] = []
        self.service_of: dict[str, str] = {}

    def people_section(self) -> None:
        for user in self.export.users.values():
            key = self.person_names.new(user.username, "person")
            self.person_of[user.id] = key
            row = self.people.find(user.username, user.email)
            entry = {"name": (row.name if row else None) or user.name or user.username}
            if user.email:
                entry["email"] = user.email
            entry |= row.addresses if row else {}
            self.persons[key] = entry
            for known in (user.username, user.email, user.name, row.name if row else None):
                if known:
                    self.known_as.setdefault(known.lower(), key)
            kinds = ", ".join(kind for kind in entry if kind != "name")
            if kinds:
                self.report.mapped("user", repr(user.username), f"person {key} ({kinds})")
            else:
                self.report.approximated(
                    "user", repr(user.username), f"person {key} has no address: add it to --people"
                )

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
                schedule, shifts, self.person_of.get, self.zone, self.now, self.horizon
            )
            for shift_name, problem in translated.dropped:
                self.report.dropped("shift", repr(shift_name), problem)
            if not translated.rotation["members"]:
                self.report.dropped("schedule", what, "its shifts name no user among the files")
                continue
            name = self.rotation_names.new(schedule.name, "rotation")
            self.rotation_of[schedule.id] = name
            self.schedule_rotations[schedule.name] = name
            self.rotations[name] = translated.rotation
            self.overrides += [{"rotation": name, **window} for window in translated.overrides]
            count = len(translated.overrides)
            text = f"rotation {name} ({_describe(translated.rotation)}, {count} overrides)"
            notes = [*schedule.notes, *(n for s in shifts for n in s.notes), *translated.notes]
            if translated.exact and not notes:
                self.report.mapped("schedule", what, text)
            else:
                self.report.approximated("schedule", what, "; ".join([text, *notes]))

    def person_rotation(self, user_id: str) -> str | None:
        """A rotation of just this user, for a chain's step that notifies them by name."""
        person = self.person_of.get(user_id)
        if person is None:
            return None
        if person not in self.direct:
            self.direct[person] = self.rotation_names.new(f"{person}-direct")
            self.rotations[self.direct[person]] = {"members": [person]}
        return self.direct[person]

    def chains_section(self) -> tuple[int, int]:
        """The services; returns the ack_within (seconds) and repeat every chain gets."""
        for chain in self.export.chains.values():
            service = self.service_names.new(chain.name, "service")
            plan = plan_chain(
                chain, service, self.rotation_of.get, self.person_rotation, self.report
            )
            if not plan.levels:
                self.service_names.taken.discard(service)
                self.report.dropped("escalation chain", repr(chain.name), "pages nobody here")
                continue
            self.plans.append(plan)
            self.service_of[chain.id] = service
            self.services[service] = {"smes": plan.levels[0]}
            if plan.levels[1:]:
                self.services[service]["escalate_to"] = plan.levels[1:]
            levels = " → ".join(plan.levels)
            self.report.mapped(
                "escalation chain", repr(chain.name), f"service {service} ({levels})"
            )
        waits = Counter(wait for plan in self.plans for wait in plan.waits if wait)
        ack_within = waits.most_common(1)[0][0] if waits else 300
        repeats = Counter(plan.repeats for plan in self.plans).most_common(1)
        repeat = ONCALL_REPEATS if repeats and repeats[0][0] else 0
        for plan in self.plans:
            if any(wait != ack_within for wait in plan.waits) or plan.repeats != bool(repeat):
                self.report.approximated(
                    "escalation chain",
                    plan.service,
                    f"waits {[format_duration_seconds(w) for w in plan.waits]} and repeat"
                    f" {'yes' if plan.repeats else 'no'}; muster uses ack_within"
                    f" {format_duration_seconds(ack_within)} and repeat {repeat} for every chain",
                )
        return ack_within, repeat

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
    for skipped in export.skipped:
        state.report.dropped(skipped.kind, skipped.name, skipped.reason)
    state.people_section()
    state.schedules_section()
    ack_within, repeat = state.chains_section()
    rules, defaults = state.intake_section()
    document = {
        "timezone": state.zone_name,
        "services": state.services,
        "fallback_service": defaults[0] if defaults else next(iter(state.services), None),
        "rotations": state.rotations,
        "overrides": state.overrides,
        "people": state.persons,
        "escalation": {"repeat": repeat},
        "rules": rules,
        "default_services": defaults[:1],
    }
    return Imported(
        document,
        state.report,
        format_duration_seconds(ack_within),
        rotation_names=state.schedule_rotations,
        person_names=state.known_as,
        horizon=(state.now, state.now + horizon),
    )


def _describe(rotation: dict[str, Any]) -> str:
    members = rotation["members"]
    if "every" not in rotation:
        return f"{members[0]} always"
    return f"{len(members)} members, every {rotation['every']}, handoff {rotation['handoff']}"
