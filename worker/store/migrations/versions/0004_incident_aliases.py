"""Incident aliases: the id of a declaration that joined an open incident by fingerprint.

The producer was given that id (the client returns it before the worker decides), so the
timeline, milestones, acknowledgements and resolutions sent under it must reach the incident it
joined.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 20:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "incident_aliases",
        sa.Column("alias", sa.String(length=64), nullable=False),
        sa.Column("incident_id", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["incident_id"], ["incidents.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("alias"),
    )
    with op.batch_alter_table("incident_aliases", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_incident_aliases_incident_id"), ["incident_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("incident_aliases", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_incident_aliases_incident_id"))
    op.drop_table("incident_aliases")
