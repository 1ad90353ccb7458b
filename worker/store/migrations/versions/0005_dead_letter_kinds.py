"""Dead letters say what they hold, and can be discarded without being deleted.

Messages Celery refuses before muster's code runs (undecodable bodies, unknown tasks, malformed
task messages, wrong arguments) are now kept as dead letters too, holding a description of what
arrived rather than the message's argument: ``kind`` tells the two apart (rows from before are
all ``invalid``, refused by muster's handler). ``discarded_at`` marks a letter ops decided not to
replay, so it leaves the list but its record stays.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 20:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("dead_letters", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("kind", sa.String(length=20), nullable=False, server_default="invalid")
        )
        batch_op.add_column(sa.Column("discarded_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("dead_letters", schema=None) as batch_op:
        batch_op.drop_column("discarded_at")
        batch_op.drop_column("kind")
