"""The routing document's cross-references: every name used must be defined somewhere.

These checks read the raw document defensively (a section of the wrong shape reads as empty),
so each part is checked even while another is malformed, and every unknown name is reported
with the nearest defined one. :mod:`muster.worker.core.checks.validation` runs them after the
schema.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from muster.worker.core.config.issues import ConfigIssue, Path, error
from muster.worker.core.config.model import SME

_PLACEHOLDER = re.compile(r"(?<!\$)\{([A-Za-z0-9_.-]+)\}")


def reference_issues(data: dict[str, Any], written: Any = None) -> list[ConfigIssue]:
    """Every name used that is defined nowhere, and every matrix cell that is missing."""
    check = _References(data, written if isinstance(written, dict) else data)
    check.severity()
    check.roles_and_services()
    check.rotations_and_overrides()
    check.people_and_contacts()
    check.intake()
    check.heartbeats()
    check.limits()
    check.maintenance()
    return check.issues


class _References:
    """The reference checks, one method per part of the document, reading it defensively."""

    def __init__(self, data: dict[str, Any], written: dict[str, Any]) -> None:
        self.data = data
        self.written_contacts = _mapping(written, "contacts")
        self.issues: list[ConfigIssue] = []
        self.severity_section = _mapping(data, "severity")
        self.levels = _mapping(self.severity_section, "levels")
        self.roles = _mapping(data, "roles")
        self.services = _mapping(data, "services")
        self.rotations = _mapping(data, "rotations")
        self.people = _mapping(data, "people")
        self.contacts = _mapping(data, "contacts")
        self.kinds = [kind for kind in self.contacts if kind != "fallback"]

    def need(self, value: Any, known: Iterable[str], what: str, path: Path) -> None:
        """Report ``value`` at ``path`` unless it is one of ``known``.

        ``what`` may end with a hint in parentheses, which follows the name and any suggestion.
        """
        if isinstance(value, str) and value not in known:
            noun, _, hint = what.partition(" (")
            hint = f" ({hint}" if hint else ""
            self.issues.append(
                error(path, f"unknown {noun} {value!r}" + suggest(value, known) + hint)
            )

    def severity(self) -> None:
        """Matrix rows and columns, its cells, and what each level pages and how."""
        impacts = _names(self.severity_section.get("impacts"))
        urgencies = _names(self.severity_section.get("urgencies"))
        matrix = _mapping(self.severity_section, "matrix")
        for impact, row in matrix.items():
            path: Path = ("severity", "matrix", impact)
            self.need(impact, impacts, "impact (not in severity.impacts)", path)
            for urgency, level in (row if isinstance(row, dict) else {}).items():
                self.need(
                    urgency, urgencies, "urgency (not in severity.urgencies)", (*path, urgency)
                )
                self.need(level, self.levels, "severity level", (*path, urgency))
        for impact in impacts:
            row = matrix.get(impact)
            missing = [u for u in urgencies if not isinstance(row, dict) or u not in row]
            self.issues += [
                error(
                    ("severity", "matrix", impact),
                    f"matrix has no cell for impact {impact!r} × urgency {urgency!r}",
                )
                for urgency in missing
            ]
        for name, raw_level in self.levels.items():
            level = raw_level if isinstance(raw_level, dict) else {}
            for index, role in enumerate(_names(level.get("page"))):
                if role != SME:
                    self.need(
                        role,
                        self.roles,
                        f"role (define it under roles, or use {SME!r})",
                        ("severity", "levels", name, "page", index),
                    )
            for index, kind in enumerate(_names(level.get("via"))):
                self.need(
                    kind,
                    self.kinds,
                    "contact kind (define it under contacts)",
                    ("severity", "levels", name, "via", index),
                )

    def roles_and_services(self) -> None:
        """The rotations roles and services are held by and escalate to, and the fallback."""
        for section, holder in (("roles", "rotation"), ("services", "smes")):
            for name, raw_entry in _mapping(self.data, section).items():
                entry = raw_entry if isinstance(raw_entry, dict) else {}
                self.need(entry.get(holder), self.rotations, "rotation", (section, name, holder))
                for index, target in enumerate(_names(entry.get("escalate_to"))):
                    self.need(
                        target, self.rotations, "rotation", (section, name, "escalate_to", index)
                    )
        self.need(
            self.data.get("fallback_service"),
            self.services,
            "fallback service",
            ("fallback_service",),
        )

    def rotations_and_overrides(self) -> None:
        """Rotation members and override swaps name real people and rotations."""
        for name, raw_rotation in self.rotations.items():
            rotation = raw_rotation if isinstance(raw_rotation, dict) else {}
            for index, member in enumerate(_names(rotation.get("members"))):
                self.need(member, self.people, "person", ("rotations", name, "members", index))
        overrides = self.data.get("overrides")
        for index, raw_override in enumerate(overrides if isinstance(overrides, list) else []):
            override = raw_override if isinstance(raw_override, dict) else {}
            self.need(
                override.get("rotation"),
                self.rotations,
                "rotation",
                ("overrides", index, "rotation"),
            )
            self.need(override.get("person"), self.people, "person", ("overrides", index, "person"))

    def people_and_contacts(self) -> None:
        """Addresses are of defined kinds; templates and fallbacks name defined kinds."""
        for name, person in self.people.items():
            for kind in person if isinstance(person, dict) else {}:
                if kind != "name":
                    self.need(
                        kind,
                        self.kinds,
                        "contact kind (define it under contacts)",
                        ("people", name, kind),
                    )
        for kind, template in self.written_contacts.items():
            if kind == "fallback" or not isinstance(template, str):
                continue
            self.issues += [
                error(
                    ("contacts", kind),
                    f"template uses {{{placeholder}}}, which is no contact "
                    "kind" + suggest(placeholder, self.kinds),
                )
                for placeholder in _PLACEHOLDER.findall(template)
                if placeholder not in self.kinds
            ]
        for kind, instead in _mapping(self.contacts, "fallback").items():
            self.need(kind, self.kinds, "contact kind", ("contacts", "fallback", kind))
            self.need(instead, self.kinds, "contact kind", ("contacts", "fallback", kind))

    def intake(self) -> None:
        """Alert rules and defaults name configured impacts, urgencies and services."""
        intake = _mapping(self.data, "intake")
        rules = intake.get("rules")
        parts: list[tuple[Path, Any]] = [(("intake", "defaults"), intake.get("defaults"))]
        parts += [
            (("intake", "rules", index), rule)
            for index, rule in enumerate(rules if isinstance(rules, list) else [])
        ]
        impacts = _names(self.severity_section.get("impacts"))
        urgencies = _names(self.severity_section.get("urgencies"))
        for path, raw_part in parts:
            part = raw_part if isinstance(raw_part, dict) else {}
            self.need(part.get("impact"), impacts, "impact", (*path, "impact"))
            self.need(part.get("urgency"), urgencies, "urgency", (*path, "urgency"))
            for index, service in enumerate(_names(part.get("services"))):
                self.need(service, self.services, "service", (*path, "services", index))
        self.callers_own_tokens(_mapping(intake, "callers"))
        for name, caller in _mapping(intake, "callers").items():
            acts_for = caller.get("acts_for") if isinstance(caller, dict) else None
            for index, person in enumerate(_names(acts_for)):
                path = ("intake", "callers", name, "acts_for", index)
                self.need(person, self.people, "person", path)

    def callers_own_tokens(self, callers: dict[str, Any]) -> None:
        """No two callers share a token: the token is how a request says which caller it is,
        so a shared one would make every request of both look like one of them."""
        first: dict[str, str] = {}
        for name, caller in callers.items():
            token = caller.get("token") if isinstance(caller, dict) else None
            if not isinstance(token, str):
                continue
            if token in first:
                message = f"is the same token as caller {first[token]!r}'s: give each its own"
                self.issues.append(error(("intake", "callers", name, "token"), message))
            else:
                first[token] = name

    def heartbeats(self) -> None:
        """Each heartbeat monitor declares a configured impact and urgency on a configured
        service, or on the fallback service when it names none."""
        impacts = _names(self.severity_section.get("impacts"))
        urgencies = _names(self.severity_section.get("urgencies"))
        for name, raw_monitor in _mapping(self.data, "heartbeats").items():
            monitor = raw_monitor if isinstance(raw_monitor, dict) else {}
            path: Path = ("heartbeats", name)
            self.need(monitor.get("impact"), impacts, "impact", (*path, "impact"))
            self.need(monitor.get("urgency"), urgencies, "urgency", (*path, "urgency"))
            service = monitor.get("service")
            if service is not None:
                self.need(service, self.services, "service", (*path, "service"))
            elif isinstance(raw_monitor, dict) and not self.data.get("fallback_service"):
                self.issues.append(
                    error(path, "a heartbeat needs a service (or the config a fallback_service)")
                )

    def limits(self) -> None:
        """Limits name defined contact kinds and people."""
        limits = _mapping(self.data, "limits")
        for kind in _mapping(limits, "kinds"):
            hint = "contact kind (define it under contacts)"
            self.need(kind, self.kinds, hint, ("limits", "kinds", kind))
        for person, raw_kinds in _mapping(limits, "people").items():
            self.need(person, self.people, "person", ("limits", "people", person))
            for kind in raw_kinds if isinstance(raw_kinds, dict) else {}:
                self.need(kind, self.kinds, "contact kind", ("limits", "people", person, kind))

    def maintenance(self) -> None:
        """Each window's scope names configured services and severity levels, and its author a
        person."""
        for name, raw_window in _mapping(_mapping(self.data, "maintenance"), "windows").items():
            scope = _mapping(raw_window, "scope")
            path: Path = ("maintenance", "windows", name, "scope")
            for index, service in enumerate(_names(scope.get("services"))):
                self.need(service, self.services, "service", (*path, "services", index))
            for index, level in enumerate(_names(scope.get("severities"))):
                self.need(level, self.levels, "severity level", (*path, "severities", index))
            if isinstance(raw_window, dict):
                author = raw_window.get("author")
                self.need(author, self.people, "person", ("maintenance", "windows", name, "author"))


def _mapping(data: Any, key: str) -> dict[str, Any]:
    value = data.get(key) if isinstance(data, dict) else None
    return value if isinstance(value, dict) else {}


def _names(value: Any) -> list[str]:
    return [item for item in value if isinstance(item, str)] if isinstance(value, list) else []


def suggest(value: str, known: Iterable[str]) -> str:
    import difflib  # noqa: PLC0415 - only a misspelt name needs it; the web never loads it

    close = difflib.get_close_matches(value, list(known), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""
