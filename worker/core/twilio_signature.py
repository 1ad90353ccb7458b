"""Twilio's request signature (``X-Twilio-Signature``), as Twilio documents and computes it.

Base64 of the HMAC-SHA1, keyed by the account's auth token, of the full public URL Twilio
posted to followed by every POST parameter's name and value, sorted by name. Written out here
(a dozen lines) rather than taking the ``twilio`` package and its HTTP client for one function.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable


def twilio_signature(auth_token: str, url: str, params: Iterable[tuple[str, str]]) -> str:
    """The signature Twilio sends with a POST of ``params`` to ``url``."""
    signed = url + "".join(name + value for name, value in sorted(params))
    digest = hmac.new(auth_token.encode(), signed.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def twilio_signed(
    auth_token: str, url: str, params: Iterable[tuple[str, str]], given: str | None
) -> bool:
    """Whether ``given`` is Twilio's signature of this request (compared in constant time)."""
    expected = twilio_signature(auth_token, url, params)
    return bool(given) and hmac.compare_digest(expected.encode(), (given or "").encode())
