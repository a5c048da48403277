"""People and devices: agents, stores, terminals, API tokens."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from hub.db import Base, CreatedAt, UTCDateTime

ADMIN = "admin"
AGENT = "agent"
AGENT_ROLES = (ADMIN, AGENT)

# How a call is put through to an agent (Twilio <Dial> noun).
ROUTE_CLIENT = "client"
ROUTE_NUMBER = "number"
ROUTE_SIP = "sip"

# Terminal roles and what each may do is decided by the in-store connector.
TERMINAL_ASSOCIATE = "associate"
TERMINAL_POS = "pos"
TERMINAL_KIOSK = "kiosk"
TERMINAL_ROLES = (TERMINAL_ASSOCIATE, TERMINAL_POS, TERMINAL_KIOSK)


class Agent(CreatedAt, Base):
    __tablename__ = "agents"

    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16), default=AGENT)
    password_hash: Mapped[str] = mapped_column(String(200))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    voice_route: Mapped[str] = mapped_column(String(16), default=ROUTE_CLIENT)
    voice_address: Mapped[str | None] = mapped_column(String(200))
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    @property
    def is_admin(self) -> bool:
        return self.role == ADMIN


class Store(CreatedAt, Base):
    __tablename__ = "stores"

    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str | None] = mapped_column(String(500))
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")


class Terminal(CreatedAt, Base):
    __tablename__ = "terminals"

    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16), default=TERMINAL_ASSOCIATE)
    # The key's first characters identify the row; the rest is checked against the hash.
    key_prefix: Mapped[str] = mapped_column(String(16), unique=True)
    key_hash: Mapped[str] = mapped_column(String(200))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ApiToken(CreatedAt, Base):
    __tablename__ = "api_tokens"

    name: Mapped[str] = mapped_column(String(200))
    token_prefix: Mapped[str] = mapped_column(String(16), unique=True)
    token_hash: Mapped[str] = mapped_column(String(200))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
