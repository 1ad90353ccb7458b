"""Deliveries about no incident: shift notices and test pages.

A shift notice (someone's on-call shifts changed) and a test page (``muster test-page``) go
through the same outbox as pages (leased, retried, recorded with their attempts), but belong to
no incident: ``deliveries.incident_id`` may now be null. Rows written before all have one.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 17:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("deliveries") as batch_op:
        batch_op.alter_column("incident_id", existing_type=sa.String(64), nullable=True)


def downgrade() -> None:
    op.execute("DELETE FROM deliveries WHERE incident_id IS NULL")
    with op.batch_alter_table("deliveries") as batch_op:
        batch_op.alter_column("incident_id", existing_type=sa.String(64), nullable=False)
