"""The last good routing config, kept in the database.

``good_configs`` holds the last config that loaded and validated, as written (``${NAME}`` left
unfilled), with its SHA-256 and when it was stored: a worker or web started while the file on
disk is invalid pages with it instead of not starting.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "good_configs",
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("source", sa.String(length=1000), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("stored_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )


def downgrade() -> None:
    op.drop_table("good_configs")
