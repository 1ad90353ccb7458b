"""Maintenance window edges announced: a row per (window, occurrence start, edge).

Windows are in the config, so their announcements (start, end, the author's reminder) are made
once by inserting a row here under a unique constraint, in the transaction that writes the
deliveries (:mod:`muster.worker.store.window_edge_rows`).

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07 19:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "window_edges",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("window_name", sa.String(length=100), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("edge", sa.String(length=20), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("rooms", sa.JSON(), nullable=False),
        sa.Column("announced_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("window_name", "starts_at", "edge", name="uq_window_edges"),
    )
    op.create_index("ix_window_edges_open", "window_edges", ["edge", "ends_at"])


def downgrade() -> None:
    op.drop_index("ix_window_edges_open", table_name="window_edges")
    op.drop_table("window_edges")
