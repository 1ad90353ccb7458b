"""Heartbeat monitors: one row per monitor of the config's ``heartbeats`` section.

Each row is a timer of its own: ``due_at`` is when silence becomes a miss (the timer scan
takes rows under row locks), ``incident_id`` the incident a miss declared and ``missed_at`` the
due time it missed (until the heartbeat's return resolves it), ``settling_until`` the lease of
whoever is declaring or resolving that incident.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 19:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "heartbeats",
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("armed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("incident_id", sa.String(length=64), nullable=True),
        sa.Column("missed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("settling_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.create_index("ix_heartbeats_due", "heartbeats", ["state", "due_at"])


def downgrade() -> None:
    op.drop_index("ix_heartbeats_due", table_name="heartbeats")
    op.drop_table("heartbeats")
