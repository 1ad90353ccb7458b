"""The pages sections of a diff as people and scripts read it.

First pages: a line per severity and stretch saying who is paged first instead of whom. Pages: a
line per severity, role and delay (at once, or after so long unacknowledged) and claim — who is
paged by which kinds instead of whom —, with every stretch of declarations it holds for and the
services it concerns (the first few named, the rest counted): a new incident commander is one
line for every service, however many handoffs the horizon holds.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from muster.worker.core.checks.diff.paged import FirstPage
from muster.worker.core.checks.diff.pages import FirstPageChange, PageChange
from muster.worker.core.checks.diff.words import Words, delay, role
from muster.worker.core.checks.lint import UNKNOWN_SERVICE
from muster.worker.core.rendering.listing import first, some
from muster.worker.core.rendering.oncall import iso

_Sent = tuple[tuple[str, str], ...]
_Stretch = tuple[datetime, datetime]


def first_page_lines(changes: tuple[FirstPageChange, ...], words: Words) -> list[str]:
    """A line per severity and stretch whose first page changes alike, naming its services."""
    grouped: dict[tuple[str, datetime, datetime, FirstPage, FirstPage], list[str]] = {}
    for change in changes:
        key = (change.severity, change.starts, change.until, change.old, change.new)
        grouped.setdefault(key, []).append(shown_service(change.service))
    return [
        f"{words.say(severity)} for {_services(services, words)}: {words.span(starts, until)}"
        f" pages {_first(new, words)} first, not {_first(old, words)}"
        for (severity, starts, until, old, new), services in grouped.items()
    ]


def page_lines(changes: tuple[PageChange, ...], words: Words) -> list[str]:
    """A line per severity, role, delay and claim: the services and stretches it holds for."""
    stretches: dict[tuple[str, str, str, timedelta, _Sent, _Sent], list[_Stretch]] = {}
    for change in changes:
        claim = (
            change.severity,
            change.service,
            change.role,
            change.after,
            change.lost,
            change.gained,
        )
        stretches.setdefault(claim, []).append((change.starts, change.until))
    services: dict[tuple[str, str, timedelta, _Sent, _Sent, tuple[_Stretch, ...]], list[str]] = {}
    for (severity, service, label, after, lost, gained), spans in stretches.items():
        alike = (severity, label, after, lost, gained, tuple(spans))
        services.setdefault(alike, []).append(shown_service(service))
    lines = []
    for (severity, label, after, lost, gained, held), named in services.items():
        sent = [f"+{_sent(gained, words)}"] if gained else []
        sent += [f"−{_sent(lost, words)}"] if lost else []
        when = ", ".join(words.span(starts, until) for starts, until in held)
        own = label.partition(":")[2]  # an SME chain concerns its own service first
        concerns = "" if named == [own] else f" for {_services(named, words)}"
        lines.append(
            f"{words.say(severity)} {words.say(role(label))} {_when(after)}{concerns}:"
            f" {'; '.join(sent)} (declared {when})"
        )
    return lines


def first_page_data(change: FirstPageChange) -> dict[str, Any]:
    """One first-page claim as JSON-ready data (``service`` null: a service the config does not
    name)."""
    return {
        "severity": change.severity,
        "service": _service_data(change.service),
        "from": iso(change.starts),
        "until": iso(change.until),
        "old": None if change.old is None else {"person": change.old[0], "kind": change.old[1]},
        "new": None if change.new is None else {"person": change.new[0], "kind": change.new[1]},
    }


def page_data(change: PageChange) -> dict[str, Any]:
    """One page claim as JSON-ready data: for declarations ``from`` until ``until``, what the
    role's chain sends ``delay_seconds`` after the declaration."""
    return {
        "severity": change.severity,
        "service": _service_data(change.service),
        "role": change.role,
        "delay_seconds": int(change.after.total_seconds()),
        "from": iso(change.starts),
        "until": iso(change.until),
        "lost": [{"person": person, "kind": kind} for person, kind in change.lost],
        "gained": [{"person": person, "kind": kind} for person, kind in change.gained],
    }


def shown_service(service: str) -> str:
    """A service as a claim names it: the fallback's stand-in as words."""
    return "an unknown service" if service == UNKNOWN_SERVICE else service


def _service_data(service: str) -> str | None:
    return None if service == UNKNOWN_SERVICE else service


def _services(services: list[str], words: Words) -> str:
    listed, more = first(services)
    return words.say(some(listed, more))


def _when(after: timedelta) -> str:
    return delay(after) if not after else f"{delay(after)} unacknowledged"


def _sent(pages: _Sent, words: Words) -> str:
    """``Dave Nowak (dave) by chat, email and Ann (ann) by sms``: each person once."""
    kinds: dict[str, list[str]] = {}
    for person, kind in pages:
        kinds.setdefault(person, []).append(kind)
    return " and ".join(
        f"{words.who(person)} by {words.say(', '.join(used))}" for person, used in kinds.items()
    )


def _first(page: FirstPage, words: Words) -> str:
    return "nobody" if page is None else f"{words.who(page[0])} by {words.say(page[1])}"
