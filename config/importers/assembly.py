"""What every source's translation builds alike: rotations, services, and the document.

A source reads its own schedules and chains; once each is in muster's terms (a rotation and
its overrides, a list of levels), filing it under a unique name, reporting it and writing the
config document are the same for every source, and live here.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from muster.config.importers.names import Names
from muster.config.importers.people import PeopleTable
from muster.config.importers.report import Report, Skipped
from muster.config.importers.roster import Roster
from muster.config.importers.writer import Imported
from muster.config.importers.zones import most_used_zone
from muster.worker.core.config.durations import format_duration

DEFAULT_ACK_WITHIN = 300
"""Seconds a chain waits for an acknowledgement when no chain of the source says."""


def _spelled(seconds: int) -> str:
    return format_duration(timedelta(seconds=seconds))


def describe(rotation: dict[str, Any]) -> str:
    """A rotation in a report line: who, how often, when they hand over."""
    members = rotation["members"]
    if "every" not in rotation:
        return f"{members[0]} always"
    return f"{len(members)} members, every {rotation['every']}, handoff {rotation['handoff']}"


class Assembly:
    """One translation's running state: the names handed out and the sections built."""

    def __init__(
        self,
        source: str,
        zones: Iterable[str | None],
        people: PeopleTable,
        now: datetime,
        horizon: timedelta,
        skipped: Iterable[Skipped] = (),
    ) -> None:
        self.horizon = horizon
        self.report = Report(source)
        for resource in skipped:  # what the reader found and no section will carry: first
            self.report.dropped(resource.kind, resource.name, resource.reason)
        self.zone_name = most_used_zone(zones)
        self.zone = ZoneInfo(self.zone_name)
        # From the day's start, so that re-running the import the same day writes the same file.
        self.now = now.astimezone(self.zone).replace(hour=0, minute=0, second=0, microsecond=0)
        self.rotation_names, self.service_names = Names(), Names()
        self.roster = Roster(people, self.report, self.rotation_names)
        self.rotations: dict[str, dict[str, Any]] = {}
        self.overrides: list[dict[str, Any]] = []
        self.rotation_of: dict[str, str] = {}  # the source's schedule id → rotation
        self.schedule_rotations: dict[str, str] = {}  # schedule name → rotation
        self.services: dict[str, dict[str, Any]] = {}
        self.until = self.now + horizon  # how far the written-out overrides reach

    def add_rotation(
        self,
        schedule: tuple[str, str],
        rotation: dict[str, Any],
        overrides: list[dict[str, Any]],
        notes: list[str],
    ) -> str:
        """File a schedule (id, name) as ``rotation`` and ``overrides``; ✅ when no ``notes``
        say how it differs, else ⚠️ with them. Returns the rotation's name."""
        schedule_id, schedule_name = schedule
        name = self.rotation_names.new(schedule_name, "rotation")
        self.rotation_of[schedule_id] = name
        self.schedule_rotations[schedule_name] = name
        self.rotations[name] = rotation
        self.overrides += [{"rotation": name, **window} for window in overrides]
        text = f"rotation {name} ({describe(rotation)}, {len(overrides)} overrides)"
        if notes:
            self.report.approximated("schedule", repr(schedule_name), "; ".join([text, *notes]))
        else:
            self.report.mapped("schedule", repr(schedule_name), text)
        return name

    def covered_until(self, until: datetime | None) -> None:
        """A schedule's overrides were cut short at ``until``: the import holds only so far."""
        if until is not None:
            self.until = min(self.until, until)

    def add_service(self, kind: str, name: str, service: str, levels: list[str]) -> bool:
        """File a chain (``kind name``) paging ``levels`` as ``service`` (from
        :attr:`service_names`); ❌ and False when it pages nobody."""
        if not levels:
            self.service_names.taken.discard(service)
            self.report.dropped(kind, repr(name), "pages nobody here")
            return False
        self.services[service] = {"smes": levels[0]}
        if levels[1:]:
            self.services[service]["escalate_to"] = levels[1:]
        self.report.mapped(kind, repr(name), f"service {service} ({' → '.join(levels)})")
        return True

    def timing(self, kind: str, plans: list[tuple[str, list[int], int]]) -> tuple[int, int]:
        """The ``ack_within`` (seconds) and ``repeat`` every chain gets, from each chain's
        (service, waits in seconds, repeats): the most common of each, since muster's are
        config-wide; a chain that differs is reported ⚠️."""
        waits = Counter(wait for _, chain_waits, _ in plans for wait in chain_waits if wait)
        ack_within = waits.most_common(1)[0][0] if waits else DEFAULT_ACK_WITHIN
        repeats = Counter(repeat for _, _, repeat in plans).most_common(1)
        repeat = repeats[0][0] if repeats else 0
        for service, chain_waits, chain_repeat in plans:
            if any(wait != ack_within for wait in chain_waits) or chain_repeat != repeat:
                self.report.approximated(
                    kind,
                    service,
                    f"waits {[_spelled(wait) for wait in chain_waits]} and repeat {chain_repeat};"
                    f" muster uses ack_within {_spelled(ack_within)} and repeat {repeat} for"
                    " every chain",
                )
        return ack_within, repeat

    def unrouted(self, how: str) -> None:
        """The source routes alerts by ``how``, which is not imported: say where they go."""
        if self.services:
            self.report.approximated(
                "routing",
                "(all)",
                f"{self.report.source} routes alerts by {how}, not imported: every alert goes to"
                f" service {next(iter(self.services))} until intake.rules say otherwise",
            )

    def imported(
        self,
        ack_within: int,
        repeat: int,
        rules: list[dict[str, Any]] | None = None,
        defaults: list[str] | None = None,
    ) -> Imported:
        """The config document and report: chains wait ``ack_within`` seconds and repeat
        ``repeat`` times; alerts follow ``rules``, else go to the first of ``defaults``."""
        fallback = (defaults or list(self.services))[:1]
        document = {
            "timezone": self.zone_name,
            "services": self.services,
            "fallback_service": fallback[0] if fallback else None,
            "rotations": self.rotations | self.roster.direct_rotations,
            "overrides": self.overrides,
            "people": self.roster.persons,
            "escalation": {"repeat": repeat},
            "rules": rules or [],
            "default_services": (defaults or [])[:1],
        }
        return Imported(
            document,
            self.report,
            _spelled(ack_within),
            rotation_names=self.schedule_rotations,
            person_names=self.roster.known_as,
            horizon=(self.now, self.until),
        )
