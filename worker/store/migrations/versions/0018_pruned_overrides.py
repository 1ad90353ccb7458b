"""Overrides pruned from the overrides file, kept: a row per override id.

``muster override prune`` writes each override it removes from the file here first, so past
shifts are shown with their cover after the file forgets it
(:mod:`muster.worker.store.override_history`).

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07 19:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pruned_overrides",
        sa.Column("seq", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("override_id", sa.String(length=250), nullable=False),
        sa.Column("rotation", sa.String(length=100), nullable=False),
        sa.Column("person", sa.String(length=100), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("until", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("author", sa.String(length=100), nullable=True),
        sa.Column("pruned_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("seq"),
        sa.UniqueConstraint("override_id"),
    )


def downgrade() -> None:
    op.drop_table("pruned_overrides")
