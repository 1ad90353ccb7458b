"""Dead letters are keyed by message id and content, no longer by the id alone.

A producer that reuses a task id for a different bad message had it dropped: the id was already
kept. ``content_key`` (a SHA-256 of the task name and the stored payload, see
:func:`muster.worker.incidents.dead_letters.content_key`) is filled in for the letters already
kept, from what they hold, so a redelivery of one of them after the upgrade still finds it; the
unique key becomes the pair. A downgrade keeps every letter, but only the first of each id keeps
its id (the old key cannot hold two).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from muster.worker.incidents.dead_letters import content_key

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

UNIQUE = "uq_dead_letters_message_content"
# SQLite's copy of the table names the old unnamed constraint through this convention.
NAMING = {"uq": "uq_%(table_name)s_%(column_0_name)s"}


def upgrade() -> None:
    with op.batch_alter_table("dead_letters", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("content_key", sa.String(length=64), nullable=False, server_default="")
        )
    letters = sa.table(
        "dead_letters",
        sa.column("id", sa.Integer()),
        sa.column("task", sa.String()),
        sa.column("kind", sa.String()),
        sa.column("payload", sa.JSON()),
        sa.column("content_key", sa.String()),
    )
    bind = op.get_bind()
    for row in bind.execute(
        sa.select(letters.c.id, letters.c.task, letters.c.kind, letters.c.payload)
    ):
        bind.execute(
            letters.update()
            .where(letters.c.id == row.id)
            .values(content_key=content_key(row.task, row.kind, row.payload))
        )
    with op.batch_alter_table("dead_letters", schema=None, naming_convention=NAMING) as batch_op:
        batch_op.drop_constraint(_old_unique(bind), type_="unique")
        batch_op.create_unique_constraint(UNIQUE, ["message_id", "content_key"])


def downgrade() -> None:
    bind = op.get_bind()
    first = sa.text(
        "SELECT MIN(id) FROM dead_letters WHERE message_id IS NOT NULL GROUP BY message_id"
    )
    kept = {row[0] for row in bind.execute(first)}
    letters = sa.table("dead_letters", sa.column("id", sa.Integer()), sa.column("message_id"))
    bind.execute(
        letters.update()
        .where(letters.c.message_id.is_not(None), letters.c.id.not_in(kept))
        .values(message_id=None)
    )
    with op.batch_alter_table("dead_letters", schema=None, naming_convention=NAMING) as batch_op:
        batch_op.drop_constraint(UNIQUE, type_="unique")
        batch_op.create_unique_constraint("uq_dead_letters_message_id", ["message_id"])
        batch_op.drop_column("content_key")


def _old_unique(bind: sa.Connection) -> str:
    """The unique constraint on ``message_id`` alone: PostgreSQL named it when 0001 made it
    (``dead_letters_message_id_key``); SQLite did not, and the naming convention does here."""
    for constraint in sa.inspect(bind).get_unique_constraints("dead_letters"):
        if constraint["column_names"] == ["message_id"] and constraint["name"]:
            return constraint["name"]
    return "uq_dead_letters_message_id"
