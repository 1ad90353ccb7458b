"""Held incidents: what maintenance windows (and silences) hold, until each is released.

A declaration held at its instant, or an incident whose escalations a window paused, with the
hold that decided it; ``released_at`` is set once, in the transaction that writes the release's
pages (:mod:`muster.worker.store.hold_models`).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07 17:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "held_incidents",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("key", sa.String(length=400), nullable=False),
        sa.Column("incident_id", sa.String(length=64), nullable=False),
        sa.Column("mode", sa.String(length=20), nullable=False),
        sa.Column("hold_kind", sa.String(length=20), nullable=False),
        sa.Column("hold_name", sa.String(length=200), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("on_end", sa.String(length=20), nullable=False),
        sa.Column("held_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("released_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.String(length=20), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["incident_id"], ["incidents.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key"),
    )
    op.create_index("ix_held_incidents_open", "held_incidents", ["released_at"])
    op.create_index("ix_held_incidents_incident_id", "held_incidents", ["incident_id"])


def downgrade() -> None:
    op.drop_index("ix_held_incidents_incident_id", table_name="held_incidents")
    op.drop_index("ix_held_incidents_open", table_name="held_incidents")
    op.drop_table("held_incidents")
