"""Storm control: a paging window per person and contact kind, and pages held for digests.

``page_windows`` holds, per person and contact kind, the current window of the paging limit:
when it opened and closes, how many pages it sent and how many it holds for its digest (the
beat's scan sends the digest once the window closes). ``deliveries.digest`` names the digest a
held page was folded into (its delivery's reason); held pages have status ``held`` until then,
``digested`` after.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 19:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "page_windows",
        sa.Column("person", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=100), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closes_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent", sa.Integer(), nullable=False),
        sa.Column("held", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("person", "kind"),
    )
    op.create_index("ix_page_windows_due", "page_windows", ["held", "closes_at"], unique=False)
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("digest", sa.String(length=300), nullable=True))
        batch_op.create_index("ix_deliveries_digest", ["digest"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.drop_index("ix_deliveries_digest")
        batch_op.drop_column("digest")
    op.drop_index("ix_page_windows_due", table_name="page_windows")
    op.drop_table("page_windows")
