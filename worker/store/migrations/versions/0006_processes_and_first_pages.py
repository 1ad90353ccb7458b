"""Liveness of workers and beats, and when each incident's first page went out.

``processes`` holds one row per worker or beat process (kind and ``muster-PID@host``), its
``seen_at`` upserted every few seconds by the process itself: the web's ``/readyz`` reads it,
since the database (not the broker) is where muster keeps state. ``incidents.first_paged_at`` is
set once, when the first of an incident's pages is recorded sent (the declaration-to-first-page
latency metric); incidents from before stay NULL.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "processes",
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("kind", "name"),
    )
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("first_paged_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.drop_column("first_paged_at")
    op.drop_table("processes")
