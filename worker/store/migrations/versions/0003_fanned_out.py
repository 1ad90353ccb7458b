"""Incidents remember whether their declaration's whole fan-out is recorded.

A declaration commits the incident and its first page before anything else, so that page can go
out while the rest is written; a crash in between leaves ``fanned_out`` false, and the redelivered
declaration (or the sweeper, after a grace) completes the fan-out instead of it being skipped.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 16:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("fanned_out", sa.Boolean(), nullable=False, server_default=sa.true())
        )
        batch_op.create_index(batch_op.f("ix_incidents_fanned_out"), ["fanned_out"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_incidents_fanned_out"))
        batch_op.drop_column("fanned_out")
