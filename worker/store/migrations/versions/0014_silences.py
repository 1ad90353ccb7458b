"""Silences added at run time (``muster silence add``, ``POST /v1/silences``).

One row per silence, kept after it ends: its scope (a window scope's fields as JSON), start,
end, author, reason, where it came from, an early expiry and who made it, and when its creation,
its end and its author's reminder were announced (each set once). A delivery may now be about no
incident (``deliveries.incident_id`` null): a silence's announcements go through the outbox like
every other message.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 18:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
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
    # A silence's announcements are deliveries about no incident.
    with op.batch_alter_table("deliveries") as batch_op:
        batch_op.alter_column("incident_id", existing_type=sa.String(length=64), nullable=True)


def downgrade() -> None:
    op.execute("DELETE FROM deliveries WHERE incident_id IS NULL")
    with op.batch_alter_table("deliveries") as batch_op:
        batch_op.alter_column("incident_id", existing_type=sa.String(length=64), nullable=False)
    op.drop_index("ix_silences_ends", table_name="silences")
    op.drop_table("silences")
