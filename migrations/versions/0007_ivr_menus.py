"""phone menus configured in the console (issue 18)

Revision ID: 0007_ivr_menus
Revises: 0006_inbox_status_index
Create Date: 2026-11-29 13:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hub.db

revision: str = "0007_ivr_menus"
down_revision: str | None = "0006_inbox_status_index"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "ivr_menus",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("number", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("greeting", sa.Text(), nullable=True),
        sa.Column("order_status", sa.Boolean(), nullable=False),
        sa.Column("talk_to_someone", sa.Boolean(), nullable=False),
        sa.Column("callback", sa.Boolean(), nullable=False),
        sa.Column("hours", sa.String(length=64), nullable=False),
        sa.Column("closed_action", sa.String(length=16), nullable=False),
        sa.Column("voicemail_greeting", sa.Text(), nullable=True),
        sa.Column("created_at", hub.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", hub.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ivr_menus")),
        sa.UniqueConstraint("number", name=op.f("uq_ivr_menus_number")),
    )


def downgrade() -> None:
    op.drop_table("ivr_menus")
