"""``muster dead-letters``: list what the worker could not take, replay it after a fix, or
discard it.

Discarding marks a letter instead of deleting it: the list stops showing it, ``--all`` still
does, and what arrived stays on record for the incident review or the producer's owners.
"""

from __future__ import annotations

from typing import Any

import click
from sqlalchemy import select

from muster.worker.cli.producer import dumps


@click.group("dead-letters")
def dead_letters() -> None:
    """Messages that could not be handled, kept for ops to fix and replay (or discard)."""


@dead_letters.command("list")
@click.option("--all", "show_all", is_flag=True, help="Include those replayed or discarded.")
@click.option("--format", "output", type=click.Choice(["text", "json"]), default="text")
def list_letters(show_all: bool, output: str) -> None:
    """List dead letters, oldest first."""
    from muster.config.settings import Settings
    from muster.worker.cli.reading import read_only_database
    from muster.worker.store.models import DeadLetter

    database = read_only_database(Settings())  # no write lock, no migration: it only reads
    try:
        with database.sessions() as session:
            query = select(DeadLetter).order_by(DeadLetter.id)
            if not show_all:
                query = query.where(
                    DeadLetter.replayed_at.is_(None), DeadLetter.discarded_at.is_(None)
                )
            rows = [_row(letter) for letter in session.scalars(query)]
    finally:
        database.engine.dispose()
    if output == "json":
        click.echo(dumps(rows))
        return
    if not rows:
        click.echo("no dead letters")
    for row in rows:
        click.echo(_text(row))


def _row(letter: Any) -> dict[str, Any]:
    def when(value: Any) -> str | None:
        return value.isoformat() if value is not None else None

    return {
        "id": letter.id,
        "received_at": when(letter.received_at),
        "task": letter.task,
        "kind": letter.kind,
        "reason": letter.reason,
        "message_id": letter.message_id,
        "replayed_at": when(letter.replayed_at),
        "discarded_at": when(letter.discarded_at),
        "payload": letter.payload,
    }


def _text(row: dict[str, Any]) -> str:
    from muster.worker.broker.arrival import printable
    from muster.worker.store.dead_letter_kinds import DeadLetterKind

    marks = "".join(
        f" ({what} {row[f'{what}_at']})" for what in ("replayed", "discarded") if row[f"{what}_at"]
    )
    task = printable(row["task"]) or "(no task)"
    payload = row["payload"] if isinstance(row["payload"], dict) else {}
    kept = payload.get("kept_at") if row["kind"] == DeadLetterKind.FOREIGN else None
    return (
        f"#{row['id']}  {row['received_at']}  {task}  [{row['kind']}]{marks}\n"
        f"    reason: {printable(row['reason'])}"
        + (f"\n    kept at: {printable(str(kept))}" if kept else "")
    )


@dead_letters.command("replay")
@click.argument("letter_id", type=int)
def replay(letter_id: int) -> None:
    """Queue dead letter LETTER_ID again, as it was received (fix the config or producer first)."""
    from muster.worker.client import Client
    from muster.worker.clock import SystemClock
    from muster.worker.incidents.dead_letters import NotReplayable, mark_replayed, replay_call
    from muster.worker.store.db import Database
    from muster.worker.store.models import DeadLetter

    database = Database.connect()
    with database.transaction() as session:
        letter = session.get(DeadLetter, letter_id)
        if letter is None:
            raise click.UsageError(f"no dead letter #{letter_id}")
        if letter.discarded_at is not None:
            raise click.UsageError(f"dead letter #{letter_id} was discarded")
        try:
            task, args, kwargs = replay_call(letter)
        except NotReplayable as refused:
            raise click.UsageError(str(refused)) from None
    message_id = Client().send_call(task, args, kwargs)
    with database.transaction() as session:
        mark_replayed(session, letter_id, SystemClock().now())
    click.echo(f"replayed #{letter_id} as message {message_id}")


@dead_letters.command("discard")
@click.argument("letter_id", type=int)
def discard(letter_id: int) -> None:
    """Discard dead letter LETTER_ID: kept on record, no longer listed or replayed."""
    from muster.worker.clock import SystemClock
    from muster.worker.incidents.dead_letters import discard as mark_discarded
    from muster.worker.store.db import Database

    database = Database.connect()
    now = SystemClock().now()
    with database.transaction() as session:
        discarded = mark_discarded(session, letter_id, now)
    if discarded is None:
        raise click.UsageError(f"no dead letter #{letter_id}")
    if discarded < now:
        click.echo(f"#{letter_id} was discarded already, at {discarded.isoformat()}")
    else:
        click.echo(f"discarded #{letter_id}")
