"""Console sign-ins kept on the server: the browser's cookie carries only an opaque key.

A row is one signed-in browser. The key itself is never stored (SHA-256 only), so a
database leak gives no working session. Revoking (logout, password change,
deactivation, an admin's "sign out everywhere") sets ``revoked_at``; from then on the
key opens nothing and the agent's sockets of that session are disconnected.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from hub.db import Base, CreatedAt, UTCDateTime


class AgentSession(CreatedAt, Base):
    __tablename__ = "agent_sessions"

    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id", ondelete="CASCADE"), index=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
