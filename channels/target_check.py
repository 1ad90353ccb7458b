"""Does Apprise take every URL the config makes? Checked when the config is, without sending.

A contact template and an address can each be valid and still make a URL Apprise refuses, or
one it accepts while dropping the address (a chat handle a webhook cannot address posts to the
webhook's default channel instead). Apprise says so in a warning when it builds the plugin, so
each person's URL per contact kind and each broadcast room is built once here, and what Apprise
warns about is reported — masked, like everything muster prints.

Apprise is imported only for a URL it has to judge: muster's own ``outbox://`` schema takes every
URL of the plain shape :data:`OWN_URL` matches (a property test holds Apprise to that), so the
demo config is checked without loading Apprise's hundred plugins (``muster config check`` in
0.3 s, issue 19).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator

from muster.channels.targets import OUTBOX_SCHEMA, target_url
from muster.worker.core.config.issues import ConfigIssue, Path, warning
from muster.worker.core.config.masking import mask_text
from muster.worker.core.paging.routing import Routing

OWN_URL = re.compile(OUTBOX_SCHEMA + r"://[A-Za-z0-9._~%@+\-]+(/[A-Za-z0-9._~%@+\-]*)*")
"""An ``outbox://`` URL of letters, digits, ``._~%@+-`` and slashes: what the demo config's
templates make from any address (percent-encoded), and what muster's own schema always takes."""


def target_warnings(
    routing: Routing, skip: Callable[[str], bool] = lambda _: False
) -> list[ConfigIssue]:
    """A warning for each contact or room URL Apprise refuses or warns about (``skip`` leaves
    out URLs that cannot be judged, such as ones holding placeholders for unset secrets)."""
    issues = []
    for path, url in _urls(routing):
        if skip(url) or OWN_URL.fullmatch(url):
            continue
        problem = apprise_problem(url)
        if problem is not None:
            masked = mask_text(problem, routing.private_values | {url})
            issues.append(warning(path, f"Apprise: {masked}"))
    return issues


def apprise_problem(url: str) -> str | None:
    """What Apprise says is wrong with ``url`` as a notification target, or None."""
    import apprise  # noqa: PLC0415 - only when a URL needs judging (see the module's docstring)

    import muster.channels.outbox  # noqa: F401, PLC0415 - registers the outbox:// schema

    with apprise.LogCapture(level=logging.WARNING) as captured:  # type: ignore[no-untyped-call]
        plugin = apprise.Apprise.instantiate(url, suppress_exceptions=True)
    said = " ".join(
        line.split(" - ", 2)[-1].strip()
        for line in captured.getvalue().splitlines()
        if line.strip()
    )
    if plugin is None:
        return f"cannot use this URL ({said or 'unknown or unsupported service'})"
    return f"accepts this URL but warns: {said}" if said else None


def _urls(routing: Routing) -> Iterator[tuple[Path, str]]:
    config = routing.config
    for name, person in config.people.items():
        for kind in person.addresses:
            if kind in config.contacts.templates:
                yield ("people", name, kind), target_url(routing, name, kind)
    for destination in ("incident_room", "summaries", "stakeholders"):
        room = getattr(config.broadcasts, destination, None)
        if room:
            yield ("broadcasts", destination), room
    for name, service in config.services.items():
        if service.room:
            yield ("services", name, "room"), service.room
