"""The fingerprints and incident ids muster makes itself, and what a producer may give.

An open incident's fingerprint is what later declarations join, and a declaration whose id
exists is a duplicate: whoever takes a fingerprint or an id first owns it. muster derives some
from public values (an alert group's key and its caller, a heartbeat monitor's name and due
time), so a producer that could give them could make the real alert join its harmless incident,
or its real declaration a no-op. Hence: these namespaces are muster's alone (its web intake
builds webhook messages, its worker declares heartbeat misses), and a web caller's fingerprints
are scoped to the caller, so that callers only ever reach their own.
"""

from __future__ import annotations

from collections.abc import Iterable

ALERTS_FINGERPRINT = "alerts:"  # an alert group of a web caller: alerts:{caller}:{digest}
HEARTBEAT_FINGERPRINT = "heartbeat:"  # a heartbeat monitor: heartbeat:{name}
CALLER_FINGERPRINT = "caller:"  # a web caller's own fingerprint: caller:{caller}:{given}
ALERT_INCIDENT = "alert-"  # a webhook notification's declaration: alert-{digest}
HEARTBEAT_INCIDENT = "hb-"  # a heartbeat miss: hb-{digest}

RESERVED_FINGERPRINTS = (ALERTS_FINGERPRINT, HEARTBEAT_FINGERPRINT, CALLER_FINGERPRINT)
RESERVED_INCIDENT_IDS = (ALERT_INCIDENT, HEARTBEAT_INCIDENT)


class ReservedNamespace(ValueError):
    """A producer gave a fingerprint or incident id in one of muster's own namespaces."""


def reserved_prefix(value: str | None, prefixes: Iterable[str]) -> str | None:
    """The reserved prefix ``value`` starts with, if any (case-insensitively: ``Alerts:`` reads
    as muster's to a person, so it is refused too)."""
    if value is None:
        return None
    lowered = value.lower()
    return next((prefix for prefix in prefixes if lowered.startswith(prefix)), None)


def check_given(incident_id: str | None, fingerprint: str | None) -> None:
    """:class:`ReservedNamespace` naming the prefix, when a producer's declaration or
    resolution gives an id or a fingerprint muster keeps for itself."""
    taken = reserved_prefix(fingerprint, RESERVED_FINGERPRINTS)
    if taken is not None:
        raise ReservedNamespace(
            f"fingerprint: {taken!r} is reserved for muster's own fingerprints; "
            "give one without that prefix"
        )
    taken = reserved_prefix(incident_id, RESERVED_INCIDENT_IDS)
    if taken is not None:
        raise ReservedNamespace(
            f"incident_id: {taken!r} is reserved for muster's own incident ids; "
            "give one without that prefix, or none (one is generated)"
        )


def caller_fingerprint(caller: str, given: str) -> str:
    """A web caller's fingerprint as stored: the caller's name cannot hold ``:`` (config names
    are ``[A-Za-z0-9._-]``), so two callers' fingerprints never meet whatever they give."""
    return f"{CALLER_FINGERPRINT}{caller}:{given}"
