"""Signed acknowledgement tokens: a link in a page that acknowledges for that person only.

The token carries the incident id, the person id and (from version 2) the instant it was issued,
signed with a secret from the config (HMAC-SHA256), so a link cannot be altered to acknowledge
someone else's page, another incident, or to live longer. It grants nothing else:
acknowledging only stops that person's escalation.

A link is a credential that sits in mailboxes and chat histories, so it expires: ``ack.expires``
after it was issued (measured when it is used, so shortening the setting shortens every link
already sent), and always when its incident resolves. Version-1 tokens (``PAYLOAD.MAC``, issued
before links expired) carry no issue time: they are honoured only while their incident is open.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import Enum

from muster.worker.core.config.model import AckLinks

_SEPARATOR = "\x1f"
VERSION = "2"  # the prefix of tokens that carry their issue time: ``2.PAYLOAD.MAC``


@dataclass(frozen=True)
class AckToken:
    """What a verified token names: ``issued_at`` is None for a version-1 token."""

    incident_id: str
    person: str
    issued_at: datetime | None


class Refusal(Enum):
    """Why a verified link acknowledges nothing; each value is the sentence its page says."""

    EXPIRED = "This link has expired: it was sent too long ago. Use the link of a newer page."
    RESOLVED = "The incident is resolved: there is nothing left to acknowledge."
    NOT_A_PERSON = "This link is not for a current person of the on-call config."
    NO_INCIDENT = "This link names no incident muster knows."
    UNREADABLE = "The incident cannot be checked right now: try again in a moment."


def sign(secret: str, incident_id: str, person: str, issued_at: datetime) -> str:
    """A URL-safe token naming ``incident_id`` and ``person``, issued at ``issued_at``."""
    issued = str(int(issued_at.timestamp()))
    body = f"{incident_id}{_SEPARATOR}{person}{_SEPARATOR}{issued}"
    payload = f"{VERSION}.{_encode(body.encode())}"
    return f"{payload}.{_mac(secret, payload)}"


def link(ack: AckLinks | None, subject: str, person: str, issued_at: datetime) -> str | None:
    """The URL acknowledging ``subject`` (an incident, or a digest) for ``person``, when the
    config sets ``ack``."""
    if ack is None:
        return None
    return f"{ack.url.rstrip('/')}/{sign(ack.secret, subject, person, issued_at)}"


def verify(secret: str, token: str) -> AckToken | None:
    """What ``token`` names if it was signed with ``secret`` (either version), else None."""
    if not token.isascii():  # never ours; compare_digest refuses non-ASCII text
        return None
    payload, _, mac = token.rpartition(".")
    if not (payload and hmac.compare_digest(mac, _mac(secret, payload))):
        return None
    version, _, encoded = payload.rpartition(".")
    try:
        parts = _decode(encoded).decode().split(_SEPARATOR)
        if version == VERSION and len(parts) == 3:
            issued = datetime.fromtimestamp(int(parts[2]), UTC)
            return _named(parts[0], parts[1], issued)
    except (ValueError, UnicodeDecodeError, OverflowError, OSError):
        return None
    if version == "" and len(parts) == 2:
        return _named(parts[0], parts[1], None)
    return None


def refusal(
    token: AckToken, people: Collection[str], expires: timedelta, now: datetime
) -> Refusal | None:
    """Why ``token`` acknowledges nothing at ``now`` whatever its incident (None: it may act)."""
    if token.person not in people:
        return Refusal.NOT_A_PERSON
    if token.issued_at is not None and now >= token.issued_at + expires:
        return Refusal.EXPIRED
    return None


def incident_refusal(state: str | None, readable: bool) -> Refusal | None:
    """Why a link acknowledges nothing given its incident's ``state`` (None: no such incident),
    read from the database if ``readable`` (None: it acts)."""
    if not readable:
        return Refusal.UNREADABLE
    if state is None:
        return Refusal.NO_INCIDENT
    if state == "resolved":
        return Refusal.RESOLVED
    return None


def _named(incident_id: str, person: str, issued_at: datetime | None) -> AckToken | None:
    return AckToken(incident_id, person, issued_at) if incident_id and person else None


def _mac(secret: str, payload: str) -> str:
    digest = hmac.new(secret.encode(), payload.encode(), hashlib.sha256).digest()
    return _encode(digest[:18])


def _encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
