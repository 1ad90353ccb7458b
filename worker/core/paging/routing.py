"""A validated config made ready for paging decisions: severity lookup, rotations, contact routes.

Everything that can be worked out from the config alone is worked out here, once, when the config
loads (as Alertmanager resolves route defaults at load), so that a page plan is lookups and
arithmetic. A :class:`Routing` is immutable; a config edit builds a new one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property

from muster.worker.core.config.masking import url_secrets
from muster.worker.core.config.model import SME, RoutingConfig, SeverityLevel
from muster.worker.core.paging.rotations import CompiledRotation, compile_rotations

_PHONE = re.compile(r"^\+?\d[\d .()-]{5,}$")


class RoutingError(ValueError):
    """A request the config cannot answer (an impact or urgency it does not define)."""


@dataclass(frozen=True, slots=True)
class Severity:
    """The severity an impact and urgency map to, with what that level asks for."""

    name: str
    level: SeverityLevel
    rank: int  # 0 is the most severe


@dataclass(frozen=True)
class Routing:
    """The config plus everything derived from it that paging needs."""

    config: RoutingConfig
    rotations: dict[str, CompiledRotation] = field(repr=False)
    secrets: frozenset[str] = field(default=frozenset(), repr=False)
    # Set while the config file is rejected and this is the last good config standing in.
    serving_note: str | None = field(default=None, repr=False, compare=False)

    @classmethod
    def from_config(cls, config: RoutingConfig, secrets: frozenset[str] = frozenset()) -> Routing:
        """Compile a validated config; ``secrets`` are values to mask wherever they might print."""
        return cls(config=config, rotations=compile_rotations(config), secrets=secrets)

    @cached_property
    def private_values(self) -> frozenset[str]:
        """Values never to log: filled-in secrets, credentials and tokens written literally in
        the config's URLs, and people's phone numbers and emails."""
        addresses = {
            address
            for person in self.config.people.values()
            for address in person.addresses.values()
            if "@" in address or _PHONE.match(address)
        }
        config = self.config
        urls = [*config.contacts.templates.values(), *config.broadcasts.model_dump().values()]
        urls += [service.room for service in config.services.values()]
        literal = {secret for url in urls if url for secret in url_secrets(str(url))}
        return self.secrets | addresses | literal

    def severity(self, impact: str, urgency: str) -> Severity:
        """Impact × customer urgency → severity, as the matrix says."""
        matrix = self.config.severity.matrix
        if impact not in matrix:
            known = ", ".join(self.config.severity.impacts)
            raise RoutingError(f"unknown impact {impact!r}: the config defines {known}")
        row = matrix[impact]
        if urgency not in row:
            known = ", ".join(self.config.severity.urgencies)
            raise RoutingError(f"unknown urgency {urgency!r}: the config defines {known}")
        name = row[urgency]
        return Severity(
            name=name,
            level=self.config.severity.levels[name],
            rank=self.config.level_order.index(name),
        )

    def level(self, severity: str) -> Severity:
        """A severity by name (``SEV2``), for incidents whose severity is already known."""
        try:
            level = self.config.severity.levels[severity]
        except KeyError:
            raise RoutingError(f"unknown severity {severity!r}") from None
        return Severity(name=severity, level=level, rank=self.config.level_order.index(severity))

    def on_call(self, rotation: str, at: datetime) -> str | None:
        """Who is on call for ``rotation`` at ``at``; None during a gap."""
        return self.rotations[rotation].on_call(at)

    def standing_roles(self, severity: Severity) -> list[str]:
        """The named roles a severity pages, in the level's order (``sme`` excluded)."""
        return [role for role in severity.level.page if role != SME]

    def pages_smes(self, severity: Severity) -> bool:
        """Whether a severity pages the SMEs of the impacted services."""
        return SME in severity.level.page

    def route_service(self, service: str) -> str | None:
        """The configured service that handles ``service``: itself, or the fallback when unknown."""
        if service in self.config.services:
            return service
        return self.config.fallback_service

    def fallback_chain(self, kind: str) -> list[str]:
        """``kind`` then each contact kind to try instead, in order, stopping before any repeat."""
        chain = [kind]
        fallback = self.config.contacts.fallback
        while chain[-1] in fallback and fallback[chain[-1]] not in chain:
            chain.append(fallback[chain[-1]])
        return chain

    def contact_kinds(self, person: str) -> tuple[str, ...]:
        """The kinds ``person`` can be reached by (an address and a template), in the order
        their entry lists them: the first is theirs for notices that are not pages."""
        templates = self.config.contacts.templates
        known = self.config.people.get(person)
        addresses = known.addresses if known is not None else {}
        return tuple(kind for kind in addresses if kind in templates)

    def reachable_kind(self, person: str, kind: str) -> str | None:
        """The first kind along ``kind``'s fallback chain that can reach ``person``."""
        addresses = self.config.people[person].addresses
        templates = self.config.contacts.templates
        for candidate in self.fallback_chain(kind):
            if candidate in addresses and candidate in templates:
                return candidate
        return None
