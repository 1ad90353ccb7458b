"""Building the Apprise URL that reaches one person by one contact kind.

A contact template (``slack://${SLACK_TOKEN}/@{chat}``) has its secrets filled at config load;
the person's address is filled here, percent-encoded so an address can never add a path segment,
a query parameter or a second target to the URL.
"""

from __future__ import annotations

from urllib.parse import quote, urlsplit

from muster.worker.core.paging.routing import Routing

OUTBOX_SCHEMA = "outbox"
"""muster's own Apprise schema (:mod:`muster.channels.outbox`): every message to a local file."""

# Characters an address may keep as they are: enough for emails, E.164 numbers and chat handles.
_ADDRESS_SAFE = "@+.-_"


def fill_template(template: str, addresses: dict[str, str]) -> str:
    """``template`` with each ``{kind}`` replaced by the percent-encoded address of that kind."""
    filled = template
    for kind, address in addresses.items():
        filled = filled.replace("{" + kind + "}", quote(address, safe=_ADDRESS_SAFE))
    return filled


def target_url(routing: Routing, person: str, kind: str) -> str:
    """The Apprise URL that reaches ``person`` by ``kind`` (which they must have an address for)."""
    template = routing.config.contacts.templates[kind]
    return fill_template(template, routing.config.people[person].addresses)


def provider(url: str) -> str:
    """The provider a URL sends to, as the sending pool's lanes know it: its scheme and host
    (and port), without credentials or path. Never logged: for some schemas the host is a
    token (``slack://TokenA/…``), which only makes that workspace a lane of its own."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = parts.port
    except ValueError:  # a port Apprise would refuse too: the send fails on its own
        return url.partition(":")[0]
    return f"{parts.scheme}://{host}:{port}" if port else f"{parts.scheme}://{host}"
