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

import phonenumbers

DIGITS = 4
_CODE = re.compile(rf"(?<!\d)(\d{{{DIGITS}}})(?!\d)")
_NOT_DIGITS = re.compile(r"[^\d+]")


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


def _parsed(number: str, region: str | None) -> phonenumbers.PhoneNumber | None:
    try:
        parsed = phonenumbers.parse(number, region)
    except phonenumbers.NumberParseException:
        return None
    return parsed if phonenumbers.is_possible_number(parsed) else None


def same_number(configured: str, sender: str) -> bool:
    """Whether two phone numbers are one, compared in E.164: ``+44 20 7946 0000``,
    ``0044 20 7946 0000`` and (the other number saying the country is the UK) ``020 7946 0000``
    are one number. Without a country to read a national form in, only digits compare."""
    if not configured or not sender:
        return False
    international = _parsed(configured, None) or _parsed(sender, None)
    if international is None:
        return _NOT_DIGITS.sub("", configured) == _NOT_DIGITS.sub("", sender)
    region = phonenumbers.region_code_for_number(international)
    a, b = _parsed(configured, region), _parsed(sender, region)
    return a is not None and b is not None and _e164(a) == _e164(b)


def _e164(number: phonenumbers.PhoneNumber) -> str:
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
