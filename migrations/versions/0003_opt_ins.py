"""opt-ins: a number's recorded permission to be messaged on a channel (WhatsApp)

Revision ID: 0003_opt_ins
Revises: 0002_commerce
Create Date: 2026-11-29 10:55:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hub.db

revision: str = "0003_opt_ins"
down_revision: str | None = "0002_commerce"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "opt_ins",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "identity_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("created_at", hub.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["identity_id"],
            ["identities.id"],
            name=op.f("fk_opt_ins_identity_id_identities"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_opt_ins")),
        sa.UniqueConstraint("identity_id", "channel", name=op.f("uq_opt_ins_identity_id_channel")),
    )


def downgrade() -> None:
    op.drop_table("opt_ins")
