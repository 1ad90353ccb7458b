"""Phone numbers compared as the same number however they are written: a reply's sender against
a person's configured ``sms`` address.

A module of its own, apart from the reply codes every page renders: parsing numbers needs
``phonenumbers`` (its metadata is tens of milliseconds to import), which only the web's SMS reply
route uses.
"""

from __future__ import annotations

import re

import phonenumbers

_NOT_DIGITS = re.compile(r"[^\d+]")


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
