"""Silences added at run time (``muster silence add``, ``POST /v1/silences``).

One row per silence, kept after it ends: its scope (a window scope's fields as JSON), start,
end, author, reason, where it came from, an early expiry and who made it, and when its creation,
its end and its author's reminder were announced (each set once). The announcements are
deliveries about no incident (0014).

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07 18:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "silences",
        sa.Column("id", sa.String(length=16), nullable=False),
        sa.Column("scope", sa.JSON(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("author", sa.String(length=100), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("source", sa.String(length=120), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expired_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("expired_by", sa.String(length=120), nullable=True),
        sa.Column("announced_created_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("announced_ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reminded_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_silences_ends", "silences", ["ends_at"])


def downgrade() -> None:
    op.drop_index("ix_silences_ends", table_name="silences")
    op.drop_table("silences")
