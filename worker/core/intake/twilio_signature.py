"""Twilio's request signature (``X-Twilio-Signature``), as Twilio documents and computes it.

Base64 of the HMAC-SHA1, keyed by the account's auth token, of the full public URL Twilio
posted to followed by every POST parameter's name and value, sorted by name. Written out here
(a few lines) rather than taking the ``twilio`` package and its HTTP client for one function.

Which URL Twilio signed is not always the one configured: Twilio's own validators accept it with
and without the scheme's default port, and a webhook URL that carries basic credentials
(``https://user:password@host/…``) may be signed with them. Every such variant of the configured
URL is tried (:func:`signed_urls`).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable
from urllib.parse import urlsplit, urlunsplit

DEFAULT_PORTS = {"https": 443, "http": 80}


def twilio_signature(auth_token: str, url: str, params: Iterable[tuple[str, str]]) -> str:
    """The signature Twilio sends with a POST of ``params`` to ``url``."""
    signed = url + "".join(name + value for name, value in sorted(params))
    digest = hmac.new(auth_token.encode(), signed.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def signed_urls(public_url: str, credentials: str | None = None) -> list[str]:
    """The URLs Twilio may have signed for a webhook configured as ``public_url`` (no
    credentials in it) and called with ``credentials`` (``user:password``) if any: each with
    and without the default port."""
    parts = urlsplit(public_url)
    host = parts.hostname or ""
    host = f"[{host}]" if ":" in host else host
    ports = [f"{host}:{parts.port}"] if parts.port else [host]
    default = DEFAULT_PORTS.get(parts.scheme)
    if default is not None and parts.port in (None, default):
        ports = [host, f"{host}:{default}"]
    prefixes = [""] + ([f"{credentials}@"] if credentials else [])
    return [
        urlunsplit(parts._replace(netloc=prefix + netloc))
        for prefix in prefixes
        for netloc in ports
    ]


def twilio_signed(
    auth_token: str, urls: list[str], params: Iterable[tuple[str, str]], given: str | None
) -> bool:
    """Whether ``given`` is Twilio's signature of this request to one of ``urls`` (each
    compared in constant time)."""
    if not given:
        return False
    pairs = list(params)
    return any(
        hmac.compare_digest(twilio_signature(auth_token, url, pairs).encode(), given.encode())
        for url in urls
    )
