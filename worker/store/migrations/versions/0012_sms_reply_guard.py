"""The SMS reply guard's rows, shared by every web process.

``sms_reply_refusals`` holds each refused SMS reply of the last window (a wrong code names its
person) and ``sms_reply_lockouts`` each number locked out after too many wrong codes, so the
limits hold across web processes (:mod:`muster.worker.store.reply_guard`).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 13:15:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sms_reply_refusals",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("person", sa.String(length=100), nullable=True),
        sa.Column("wrong", sa.Boolean(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_sms_reply_refusals_person", "sms_reply_refusals", ["person"])
    op.create_index("ix_sms_reply_refusals_at", "sms_reply_refusals", ["at"])
    op.create_table(
        "sms_reply_lockouts",
        sa.Column("person", sa.String(length=100), nullable=False),
        sa.Column("until", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("person"),
    )


def downgrade() -> None:
    op.drop_table("sms_reply_lockouts")
    op.drop_index("ix_sms_reply_refusals_at", table_name="sms_reply_refusals")
    op.drop_index("ix_sms_reply_refusals_person", table_name="sms_reply_refusals")
    op.drop_table("sms_reply_refusals")
