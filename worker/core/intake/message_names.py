"""The names in a contract message that the routing config must define: the one place where the
web (422), the CLI (one line, exit 1) and the worker (a dead letter) decide a message is wrong
for the config, so none of them accepts what another refuses.

An impact or urgency outside the severity matrix, a person or role the config lacks, a heartbeat
monitor it does not define. Services are not among them: the contract allows unknown services,
which the fallback team gets.

Each check reads only the names a config defines (:class:`~muster.worker.core.config.names.
DefinesNames`): the served ``RoutingConfig`` (web, worker), or the names alone read from the file
(a producer command, which need not build the whole config).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass

from muster.worker.core.config.names import DefinesNames
from muster.worker.messages import Acknowledged, Declared, Heartbeat, Milestone

THE_CONFIG = "the config"


@dataclass(frozen=True)
class UnknownName:
    """A value the config does not define: what it is, and what the config defines instead
    (``listed`` whole, for the few severity values and roles; else the closest, for people)."""

    what: str
    value: str
    known: tuple[str, ...]
    listed: bool

    def reason(self, config: str = THE_CONFIG) -> str:
        """One line naming the fix; ``config`` says which config (a CLI names its file)."""
        if self.listed:
            defined = ", ".join(self.known) or "none"
            return f"unknown {self.what} {self.value!r}: {config} defines {defined}"
        close = difflib.get_close_matches(self.value, list(self.known), n=1, cutoff=0.6)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        return f"unknown {self.what} {self.value!r}: not in {config}{hint}"


def unknown_names(config: DefinesNames, message: object) -> list[UnknownName]:
    """Every name of ``message`` that ``config`` does not define (none for other messages)."""
    if isinstance(message, Declared):
        return _severity(config, message.impact, message.urgency)
    if isinstance(message, Acknowledged):
        return _people(config, [message.person])
    if isinstance(message, Heartbeat):
        known = tuple(sorted(config.heartbeats))
        return [] if message.name in known else [_listed("heartbeat", message.name, known)]
    return _milestone(config, message) if isinstance(message, Milestone) else []


def _milestone(config: DefinesNames, message: Milestone) -> list[UnknownName]:
    if message.kind == "redefinition":
        return _severity(config, message.impact, message.urgency)
    if message.kind == "role_change":
        role = message.role or ""
        unknown = [] if role in config.roles else [_listed("role", role, tuple(config.roles))]
        return unknown + _people(config, [message.person or ""])
    if message.kind == "engage":
        return _people(config, message.people or [])
    return []


def refusal(config: DefinesNames, message: object, where: str = THE_CONFIG) -> str | None:
    """Why ``config`` refuses ``message`` (every unknown name, one line), or None."""
    unknown = unknown_names(config, message)
    return "; ".join(name.reason(where) for name in unknown) or None


def _severity(config: DefinesNames, impact: str | None, urgency: str | None) -> list[UnknownName]:
    severity = config.severity
    unknown = []
    if impact is not None and impact not in severity.matrix:
        unknown.append(_listed("impact", impact, tuple(severity.impacts)))
    if urgency is not None and urgency not in severity.urgencies:
        unknown.append(_listed("urgency", urgency, tuple(severity.urgencies)))
    return unknown


def _people(config: DefinesNames, people: Iterable[str]) -> list[UnknownName]:
    known = tuple(config.people)
    return [
        UnknownName("person", person, known, listed=False)
        for person in dict.fromkeys(people)
        if person not in config.people
    ]


def _listed(what: str, value: str, known: tuple[str, ...]) -> UnknownName:
    return UnknownName(what, value, known, listed=True)
