"""Does Apprise take every URL the config makes? Checked when the config is, without sending.

A contact template and an address can each be valid and still make a URL Apprise refuses, or
one it accepts while dropping the address (a chat handle a webhook cannot address posts to the
webhook's default channel instead). Apprise says so in a warning when it builds the plugin, so
each person's URL per contact kind and each broadcast room is built once here, and what Apprise
warns about is reported — masked, like everything muster prints.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator

import apprise

import muster.channels.outbox  # noqa: F401 - registers the outbox:// schema the demo config uses
from muster.channels.targets import target_url
from muster.worker.core.issues import ConfigIssue, Path, warning
from muster.worker.core.masking import mask_text
from muster.worker.core.routing import Routing


def target_warnings(
    routing: Routing, skip: Callable[[str], bool] = lambda _: False
) -> list[ConfigIssue]:
    """A warning for each contact or room URL Apprise refuses or warns about (``skip`` leaves
    out URLs that cannot be judged, such as ones holding placeholders for unset secrets)."""
    issues = []
    for path, url in _urls(routing):
        if skip(url):
            continue
        problem = apprise_problem(url)
        if problem is not None:
            masked = mask_text(problem, routing.private_values | {url})
            issues.append(warning(path, f"Apprise: {masked}"))
    return issues


def apprise_problem(url: str) -> str | None:
    """What Apprise says is wrong with ``url`` as a notification target, or None."""
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
