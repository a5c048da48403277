"""Opt-ins: a number's (or address's) recorded permission to be messaged on a channel.

Some channels may only start a conversation with people who agreed to hear from the
business there (WhatsApp's templates need the user's opt-in). The record says which
identity agreed, on which channel, how (``source``) and when; the opt-out (STOP) stays
on the identity and always wins.
"""

from __future__ import annotations

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hub.db import Base, CreatedAt

# How an opt-in was given.
CUSTOMER_MESSAGE = "customer_message"  # the person wrote to the business on the channel
KEYWORD = "keyword"  # START (or another opt-in keyword) on the channel
AGENT = "agent"  # an agent recorded consent given elsewhere (in store, on the phone)
API = "api"  # an integrator recorded it (e.g. a checkout checkbox)
OPT_IN_SOURCES = (CUSTOMER_MESSAGE, KEYWORD, AGENT, API)


class OptIn(CreatedAt, Base):
    __tablename__ = "opt_ins"
    __table_args__ = (UniqueConstraint("identity_id", "channel"),)

    identity_id: Mapped[int] = mapped_column(ForeignKey("identities.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(16))
    source: Mapped[str] = mapped_column(String(32))
