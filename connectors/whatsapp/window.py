"""WhatsApp's 24-hour customer-service window.

A business may send free-form messages to a WhatsApp user only within 24 hours of
that user's last message to it; outside, only a template Meta approved (Twilio
refuses a free-form send with error 63016). The hub measures the window from the
last inbound WhatsApp message of the number, checks it before committing a reply
(so the agent learns at once, not from a failed delivery), and the console shows
the time left.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from connectors.whatsapp.parse import CHANNEL
from hub.core import UnitOfWork
from hub.db import utcnow
from hub.port import HubPort

WINDOW = timedelta(hours=24)


@dataclass(frozen=True)
class Window:
    """When the customer last wrote on WhatsApp and when free-form replies stop."""

    last_inbound_at: datetime | None
    now: datetime

    @property
    def closes_at(self) -> datetime | None:
        return self.last_inbound_at + WINDOW if self.last_inbound_at else None

    @property
    def is_open(self) -> bool:
        return self.closes_at is not None and self.now < self.closes_at

    @property
    def seconds_left(self) -> int:
        if self.closes_at is None:
            return 0
        return max(0, int((self.closes_at - self.now).total_seconds()))

    def last_wrote(self) -> str:
        """When the customer last wrote on WhatsApp, as a sentence."""
        if self.last_inbound_at is None:
            return "The customer has never written to this WhatsApp number."
        hours = int((self.now - self.last_inbound_at).total_seconds() // 3600)
        return f"The customer last wrote on WhatsApp {hours} hours ago."

    def explain(self) -> str:
        """Why a free-form reply is refused, in words an agent can act on."""
        return (
            f"{self.last_wrote()} WhatsApp only delivers free-form replies within 24 hours "
            "of the customer's last message; send an approved template instead (it may "
            "invite them to answer, which reopens the window)."
        )


async def window_of(
    port: HubPort,
    customer_id: int,
    identity_id: int | None,
    now: datetime | None = None,
    *,
    uow: UnitOfWork | None = None,
) -> Window:
    """The window of the customer's WhatsApp number ``identity_id`` (or of any of their
    numbers when None); read inside ``uow`` when given."""
    last = await port.last_inbound_at(customer_id, CHANNEL, identity_id, uow=uow)
    return Window(last, now or utcnow())
