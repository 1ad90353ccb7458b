"""Signed calendar feed tokens: a link that reads one person's or one rotation's shifts.

The token names what it reads (``person`` or ``rotation``, and which) and when it was made,
signed with ``calendar.secret`` (HMAC-SHA256), as Acknowledge links are
(:mod:`muster.worker.core.intake.ack_tokens`): it cannot be altered to read someone else's
shifts. Unlike an ack link it does not expire — a calendar subscribes once and polls for
months — so it is revoked instead: by its id (a digest of the whole token, which gives the
token away to nobody who reads the config) or by changing the secret.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

VERSION = "f1"
_SEPARATOR = "\x1f"


class FeedKind(StrEnum):
    """What a feed shows: a person's shifts in every rotation, or one rotation's."""

    PERSON = "person"
    ROTATION = "rotation"


@dataclass(frozen=True, slots=True)
class FeedToken:
    """What a verified token names."""

    kind: FeedKind
    subject: str
    issued_at: datetime


def sign(secret: str, kind: FeedKind, subject: str, issued_at: datetime) -> str:
    """A URL-safe token reading ``kind`` ``subject``'s shifts."""
    body = f"{kind.value}{_SEPARATOR}{subject}{_SEPARATOR}{int(issued_at.timestamp())}"
    payload = f"{VERSION}.{_encode(body.encode())}"
    return f"{payload}.{_mac(secret, payload)}"


def feed_id(token: str) -> str:
    """The id a token is revoked by: twelve characters of its digest."""
    return _encode(hashlib.sha256(token.encode()).digest())[:12]


def verify(secret: str, token: str, revoked: list[str]) -> FeedToken | None:
    """What ``token`` names if ``secret`` signed it and it is not revoked, else None."""
    if not token.isascii():
        return None
    payload, _, mac = token.rpartition(".")
    if not (payload and hmac.compare_digest(mac, _mac(secret, payload))):
        return None
    if feed_id(token) in revoked:
        return None
    version, _, encoded = payload.partition(".")
    try:
        kind, subject, issued = _decode(encoded).decode().split(_SEPARATOR)
        if version != VERSION or not subject:
            return None
        return FeedToken(FeedKind(kind), subject, datetime.fromtimestamp(int(issued), UTC))
    except (ValueError, UnicodeDecodeError, OverflowError, OSError):
        return None


def _mac(secret: str, payload: str) -> str:
    digest = hmac.new(secret.encode(), b"calendar:" + payload.encode(), hashlib.sha256).digest()
    return _encode(digest[:18])


def _encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
