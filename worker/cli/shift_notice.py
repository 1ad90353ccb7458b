"""Queueing the notice of an override change, once ``muster override`` has written the file.

The worker tells the people whose shifts moved (:mod:`muster.worker.deliveries.shift_notices`):
its deliveries are durable, retried and recorded, which a command that exits at once cannot be.
The file is the change; the notice follows it. So a broker that cannot be reached does not undo
or fail the change: the command says in one line that nobody was told, and exits 0.
"""

from __future__ import annotations

import getpass
import os
from dataclasses import dataclass
from datetime import datetime

import click

PERSON_VARIABLE = "MUSTER_PERSON"
"""Who runs the command, as the config names them: the author of an override, the one who
removed it, the one taking a pager."""


@dataclass(frozen=True, slots=True)
class Cover:
    """An override as the notice tells it (times in UTC)."""

    ident: str
    rotation: str
    person: str
    starts: datetime
    until: datetime
    reason: str


def who_runs() -> str | None:
    """``$MUSTER_PERSON``, else the login name (who made a change is part of its notice)."""
    named = os.environ.get(PERSON_VARIABLE)
    if named:
        return named
    try:
        return getpass.getuser()
    except (OSError, KeyError):  # no login name in this environment
        return None


def queue_notice(cover: Cover, action: str) -> None:
    """Ask the worker to tell whose shifts ``cover`` (``added`` or ``removed``) moves; one line
    on stderr when it cannot be asked."""
    from muster.worker.client import BrokerUnavailable, Client
    from muster.worker.messages import InvalidMessage

    try:
        Client().shifts_changed(
            override_id=cover.ident,
            action=action,
            rotation=cover.rotation,
            person=cover.person,
            starts=cover.starts,
            until=cover.until,
            reason=cover.reason,
            by=who_runs(),
        )
    except (BrokerUnavailable, InvalidMessage) as failure:
        click.echo(
            f"muster: {cover.ident} is {action}, but nobody was told (the notice could not be"
            f" queued: {failure})",
            err=True,
        )
