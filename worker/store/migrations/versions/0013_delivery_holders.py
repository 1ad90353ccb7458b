"""Who holds a claimed delivery: ``deliveries.holder``, the key of its worker's advisory lock.

On PostgreSQL each worker process holds a session advisory lock for as long as it lives; a
delivery it claims records the lock's key, so another worker takes over at once the deliveries
of a process whose lock is gone (:mod:`muster.worker.deliveries.holder`). Null on SQLite and for
rows written before: the lease alone decides.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 15:15:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("deliveries") as batch_op:
        batch_op.add_column(sa.Column("holder", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("deliveries") as batch_op:
        batch_op.drop_column("holder")
