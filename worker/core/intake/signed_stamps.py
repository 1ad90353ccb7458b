"""When a signed request may be believed: its timestamp header read as a finite, bounded instant.

A signature with a timestamp proves when the caller signed; it proves nothing if the stamp is
``nan`` (never older than anything), ``inf``, or far in the future (it would stay fresh for as
long as it is ahead). A stamp is accepted from ``max_age`` before now to :data:`FUTURE_SKEW`
after it: the skew allows for the caller's clock running a little ahead of ours, no more.
A stamp so accepted expires (may be forgotten by the replay store) ``max_age`` after it.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

FUTURE_SKEW = 30.0  # seconds a caller's clock may run ahead of ours
STAMP = re.compile(r"\d{1,12}(\.\d{1,9})?")  # Unix seconds, as Grafana and Slack send them


@dataclass(frozen=True)
class Fresh:
    """An accepted stamp: the instant signed (Unix seconds) and when its signature expires."""

    signed_at: float
    expires_at: float


def check_stamp(text: str, now: float, max_age: float) -> Fresh | str:
    """The stamp ``text`` if fresh at ``now`` (Unix seconds), else why it is refused."""
    if not STAMP.fullmatch(text.strip()):
        return "missing or malformed timestamp: Unix seconds expected"
    signed_at = float(text)
    if not math.isfinite(signed_at):  # pragma: no cover - the pattern admits digits only
        return "missing or malformed timestamp: Unix seconds expected"
    if signed_at > now + FUTURE_SKEW:
        return f"the signature's timestamp is more than {FUTURE_SKEW:.0f} s in the future"
    if now - signed_at > max_age:
        return "the signature's timestamp is too old (a replay?)"
    return Fresh(signed_at=signed_at, expires_at=signed_at + max_age)
