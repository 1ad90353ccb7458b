"""Signed acknowledgement tokens: a link in a page that acknowledges for that person only.

The token carries the incident id and the person id, signed with a secret from the config
(HMAC-SHA256), so a link cannot be altered to acknowledge someone else's page or another
incident. It grants nothing else: acknowledging only stops that person's escalation.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

_SEPARATOR = "\x1f"


def sign(secret: str, incident_id: str, person: str) -> str:
    """A URL-safe token naming ``incident_id`` and ``person``."""
    payload = _encode(f"{incident_id}{_SEPARATOR}{person}".encode())
    return f"{payload}.{_mac(secret, payload)}"


def verify(secret: str, token: str) -> tuple[str, str] | None:
    """``(incident_id, person)`` if ``token`` was signed with ``secret``, else None."""
    payload, _, mac = token.partition(".")
    if not (payload and token.isascii()):  # never ours; compare_digest refuses non-ASCII text
        return None
    if not hmac.compare_digest(mac, _mac(secret, payload)):
        return None
    try:
        incident_id, _, person = _decode(payload).decode().partition(_SEPARATOR)
    except (ValueError, UnicodeDecodeError):
        return None
    return (incident_id, person) if incident_id and person else None


def _mac(secret: str, payload: str) -> str:
    digest = hmac.new(secret.encode(), payload.encode(), hashlib.sha256).digest()
    return _encode(digest[:18])


def _encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
