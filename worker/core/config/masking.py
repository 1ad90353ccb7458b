"""Secrets out of everything muster prints: Apprise URLs carry tokens, passwords and phone numbers.

A masked URL keeps what helps a person recognise a destination (the scheme, a real host name, a
``#channel``) and hides the rest: credentials, paths (where Slack, Discord and Twilio put tokens
and numbers) and query values. Values known to be secrets, such as everything filled in from the
environment, are masked wherever they appear in any text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from urllib.parse import urlsplit

MASK = "****"
_HOSTNAME = re.compile(
    r"^(?:localhost|\d{1,3}(?:\.\d{1,3}){3}|\[[0-9a-fA-F:]+\]|"
    r"(?=[^.]*[A-Za-z-][^.]*\.)[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)$"
)
_URL_IN_TEXT = re.compile(r"\b[a-z][a-z0-9+.-]{1,31}://[^\s\"'<>]+", re.IGNORECASE)


def mask_url(url: str, secrets: Iterable[str] = ()) -> str:
    """``url`` with credentials, path and query values hidden; host and ``#channel`` kept."""
    known = _ordered(secrets)
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = parts.port
    except ValueError:
        return f"{url.split(':', 1)[0]}://{MASK}" if "://" in url else MASK
    if not parts.scheme:
        return MASK
    shown_host = host if _HOSTNAME.match(host) and not _is_secret(host, known) else MASK
    masked = f"{parts.scheme}://"
    if parts.username or parts.password:
        masked += f"{MASK}@"
    masked += shown_host + (f":{port}" if port else "")
    segments = [segment for segment in parts.path.split("/") if segment]
    if parts.fragment:
        segments.append("#" + parts.fragment)
    for segment in segments:
        shown = segment.startswith(("#", "%23")) and not _is_secret(segment.lstrip("#"), known)
        masked += "/" + (segment if shown else MASK)
    if parts.query:
        keys = [pair.split("=", 1)[0] for pair in parts.query.split("&") if pair]
        masked += "?" + "&".join(f"{key}={MASK}" for key in keys)
    return _replace_secrets(masked, known)


# A path segment or query value of a configured URL at least this long and holding a digit is
# taken for a token (webhook ids, bot tokens, account SIDs: 16 to 60 characters, digits among
# them; channel names and API path words are shorter or have none), and so is a phone number.
# A password before the ``@`` counts whatever it is, a user name if it looks like one of those.
TOKEN_LENGTH = 16
_DIGIT = re.compile(r"\d")
_PHONE_NUMBER = re.compile(r"^\+?\d{7,15}$")


def url_secrets(url: str) -> frozenset[str]:
    """What in a configured URL is a credential, to mask wherever it shows up on its own: a
    token written literally in the config file is no ``${NAME}`` secret, yet an HTTP library's
    request line (``POST /hooks/<token>``) or an error quoting a path prints it bare, where no
    URL is left to mask. Placeholders (``{chat}``) are not values."""
    try:
        parts = urlsplit(url)
        username, password = parts.username, parts.password
    except ValueError:
        return frozenset()
    found = {password} if password else set()
    if username and ("@" in username or _token_like(username)):
        found.add(username)  # a plain word ("muster") would mask that word in every line
    pieces = [segment for segment in parts.path.split("/") if segment]
    pieces += [pair.split("=", 1)[-1] for pair in parts.query.split("&") if "=" in pair]
    found |= {piece for piece in pieces if _token_like(piece)}
    return frozenset(value for value in found if "{" not in value and "}" not in value)


def _token_like(piece: str) -> bool:
    return bool((len(piece) >= TOKEN_LENGTH and _DIGIT.search(piece)) or _PHONE_NUMBER.match(piece))


def mask_text(text: str, secrets: Iterable[str] = ()) -> str:
    """``text`` with every known secret value, and every URL in it, masked."""
    known = _ordered(secrets)
    text = _URL_IN_TEXT.sub(lambda match: _mask_embedded(match.group(0), known), text)
    return _replace_secrets(text, known)


def _mask_embedded(url: str, secrets: list[str]) -> str:
    if url.startswith(("http://", "https://")) and "@" not in url:
        return url  # runbooks and dashboards are meant to be read
    return mask_url(url, secrets)


def _replace_secrets(text: str, secrets: list[str]) -> str:
    if not secrets:
        return text
    return _pattern(tuple(secrets)).sub(MASK, text)


@lru_cache(maxsize=32)
def _pattern(secrets: tuple[str, ...]) -> re.Pattern[str]:
    # One alternation, longest first, compiled once per set of secrets: a log line is scanned
    # once however many people's addresses the config holds.
    return re.compile("|".join(re.escape(secret) for secret in secrets))


def _ordered(secrets: Iterable[str]) -> list[str]:
    # Longest first, so a secret containing another is masked whole; very short values (a "1")
    # would mask half the text and are not credentials.
    if isinstance(secrets, frozenset):
        return _ordered_cached(secrets)
    return sorted({secret for secret in secrets if len(secret) >= 4}, key=lambda s: (-len(s), s))


@lru_cache(maxsize=32)
def _ordered_cached(secrets: frozenset[str]) -> list[str]:
    return sorted({secret for secret in secrets if len(secret) >= 4}, key=lambda s: (-len(s), s))


def _is_secret(value: str, secrets: list[str]) -> bool:
    return any(secret in value for secret in secrets)
