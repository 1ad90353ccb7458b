"""Reply codes: an SMS page can be acknowledged by answering it with its incident's code.

As GoAlert's reply codes: the number a reply comes from says who (a person's configured ``sms``
address), the code says which incident. The code is derived from the incident id (four digits),
so nothing is stored for it and every web process computes the same; two open incidents of one
person sharing a code (one chance in 10,000 per pair) make the reply ambiguous, and it is refused
with a pointer to the link instead of guessing.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable

DIGITS = 4
_CODE = re.compile(rf"(?<!\d)(\d{{{DIGITS}}})(?!\d)")


def reply_code(incident_id: str) -> str:
    """The incident's code, the same wherever it is computed."""
    value = int(hashlib.sha256(incident_id.encode()).hexdigest()[:12], 16)
    return str(value % 10**DIGITS).zfill(DIGITS)


def read_reply(body: str) -> str | None:
    """The code in a reply ("4821", "ack 4821", "4821 on it"), if there is exactly one."""
    codes = _CODE.findall(body)
    return codes[0] if len(set(codes)) == 1 else None


def matching(code: str, incident_ids: Iterable[str]) -> list[str]:
    """The incidents among ``incident_ids`` whose code is ``code``."""
    return [incident_id for incident_id in incident_ids if reply_code(incident_id) == code]
