"""``muster config diff OLD NEW --notify``: once an edit is live, tell whose shifts it moves.

The diff's horizon is compared as final shifts (:mod:`muster.worker.core.paging.shift_changes`,
the same comparison as override notices) and each person's stretches are queued for the worker
(``muster.shifts.edited``), which tells each of them once by their first contact kind
(:mod:`muster.worker.deliveries.shift_notices`). The edit is keyed by the pair of the two
versions' hashes: running it again, or from a second deploy job, tells nobody twice. A broker
that cannot be reached is one line on stderr; the diff's exit status stands.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import click

from muster.config.last_good import fingerprint
from muster.config.loader import LoadedConfig
from muster.worker.cli.shift_notice import who_runs
from muster.worker.core.paging.keys import edit_change
from muster.worker.core.paging.shift_changes import PersonChange, Stretch, shift_changes


def _stretch(stretch: Stretch) -> dict[str, Any]:
    return {
        "rotation": stretch.rotation,
        "starts": stretch.starts.isoformat(),
        "until": stretch.until.isoformat(),
        **({"other": stretch.other} if stretch.other else {}),
    }


def _person(change: PersonChange) -> dict[str, Any]:
    return {
        "person": change.person,
        "gained": [_stretch(s) for s in change.gained],
        "relieved": [_stretch(s) for s in change.relieved],
    }


def queue_edit_notice(
    before: LoadedConfig, after: LoadedConfig, start: datetime, days: int
) -> None:
    """Queue the notices of the edit from ``before`` to ``after`` over ``days`` from
    ``start``; say on stderr how many people the worker will tell, or why it cannot."""
    from muster.worker.client import BrokerUnavailable, Client
    from muster.worker.messages import InvalidMessage

    changes = shift_changes(before.routing, after.routing, start, start + timedelta(days=days))
    if not changes:
        click.echo("notify: nobody's shifts move, nobody to tell", err=True)
        return
    edit = edit_change(fingerprint(before.text), fingerprint(after.text))
    try:
        Client().shifts_edited(edit=edit, people=[_person(c) for c in changes], by=who_runs())
    except (BrokerUnavailable, InvalidMessage) as failure:
        click.echo(
            f"notify: nobody was told (the notices could not be queued: {failure})", err=True
        )
        return
    count = len(changes)
    click.echo(
        f"notify: the worker tells {count} {'person' if count == 1 else 'people'} whose shifts"
        " move (once per edit)",
        err=True,
    )
