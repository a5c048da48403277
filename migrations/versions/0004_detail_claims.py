"""details: origin (form field or message text) and an index for claims on an address

Revision ID: 0004_detail_claims
Revises: 0003_opt_ins
Create Date: 2026-11-29 10:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_detail_claims"
down_revision: str | None = "0003_opt_ins"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("details", schema=None) as batch_op:
        batch_op.add_column(sa.Column("origin", sa.String(length=16), nullable=True))
        batch_op.create_index(
            "ix_details_claims",
            ["key", "value"],
            unique=False,
            postgresql_where=sa.text("key IN ('phone', 'email')"),
            sqlite_where=sa.text("key IN ('phone', 'email')"),
        )


def downgrade() -> None:
    with op.batch_alter_table("details", schema=None) as batch_op:
        batch_op.drop_index("ix_details_claims")
        batch_op.drop_column("origin")
