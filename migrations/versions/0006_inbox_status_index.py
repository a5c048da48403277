"""threads: one (status, last_activity_at, id) index instead of the status-only one

The inbox and the REST API's thread list ask for the threads of one status, newest
activity first; the composite index returns that page in order without reading and
sorting every thread of the status (``hub.models.inbox``).

Revision ID: 0006_inbox_status_index
Revises: 0005_agent_sessions
Create Date: 2026-11-29 13:40:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006_inbox_status_index"
down_revision: str | None = "0005_agent_sessions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_threads_status_activity",
        "threads",
        ["status", "last_activity_at", "id"],
        unique=False,
    )
    op.drop_index("ix_threads_status", table_name="threads")


def downgrade() -> None:
    op.create_index("ix_threads_status", "threads", ["status"], unique=False)
    op.drop_index("ix_threads_status_activity", table_name="threads")
