"""Warnings for secrets written into the config file itself instead of ``${NAME}``.

A config file is copied, committed, reviewed and attached to tickets; the rule (docs/security.md)
is that caller tokens, signature secrets, the ack secret and the credentials in Apprise URLs come
from the environment. Written literally they still work (the demo does it), so this is a warning,
and an exit 2 under ``config check --strict``. It reads the document as written (before ``${NAME}``
is filled in): that is the only place where literal and filled-in values differ.
"""

from __future__ import annotations

from typing import Any

from muster.worker.core.config.issues import ConfigIssue, Path, warning
from muster.worker.core.config.masking import url_secrets

_PLACEHOLDER = "${"
_ADVICE = "put it in the environment and write ${NAME} here"


def literal_secrets(written: Any) -> list[ConfigIssue]:
    """A warning at each secret of ``written`` (the document as written) that is no ``${NAME}``."""
    if not isinstance(written, dict):
        return []
    issues = [
        warning(path, f"is a secret written literally in the config file: {_ADVICE}")
        for path, value in _secrets(written)
        if isinstance(value, str) and _PLACEHOLDER not in value
    ]
    issues += [
        warning(path, f"holds a credential written literally in the config file: {_ADVICE}")
        for path, url in _urls(written)
        if isinstance(url, str) and url_secrets(url)
    ]
    return issues


def _secrets(written: dict[str, Any]) -> list[tuple[Path, Any]]:
    found: list[tuple[Path, Any]] = [
        (("ack", "secret"), _mapping(written, "ack").get("secret")),
        (("calendar", "secret"), _mapping(written, "calendar").get("secret")),
    ]
    for name, caller in _mapping(_mapping(written, "intake"), "callers").items():
        if isinstance(caller, dict):
            found.append((("intake", "callers", name, "token"), caller.get("token")))
            signature = _mapping(caller, "signature")
            found.append(
                (("intake", "callers", name, "signature", "secret"), signature.get("secret"))
            )
    return found


def _urls(written: dict[str, Any]) -> list[tuple[Path, Any]]:
    found: list[tuple[Path, Any]] = [
        (("contacts", kind), url) for kind, url in _mapping(written, "contacts").items()
    ]
    found += [(("broadcasts", name), url) for name, url in _mapping(written, "broadcasts").items()]
    found += [
        (("services", name, "room"), service.get("room"))
        for name, service in _mapping(written, "services").items()
        if isinstance(service, dict)
    ]
    return found


def _mapping(data: Any, key: str) -> dict[str, Any]:
    value = data.get(key) if isinstance(data, dict) else None
    return value if isinstance(value, dict) else {}
