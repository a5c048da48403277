"""Writing demo history through the core actions, with backdated timestamps.

``DemoWriter`` wraps one unit of work and numbers every provider id
deterministically (``demo-<channel>-<n>``), so loading the demo twice adds nothing.
Outbound agent messages are appended directly as already-delivered events (never
through the outbox): the demo must not send anything to anybody.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from hub.actions.customers import get_customer, get_thread
from hub.actions.inbound import receive_inbound
from hub.actions.orders import upsert_order
from hub.actions.replies import append_reply, record_delivery
from hub.core import UnitOfWork
from hub.models import Agent
from hub.types import IdentityClaim, Inbound, ItemInput, OrderInput

# The identity kind a demo person writes from on each channel; ``Person`` has a field
# of that name holding their address.
KINDS = {"webchat": "visitor", "sms": "phone", "phone": "phone", "instore": "loyalty"}


@dataclass
class Person:
    """A demo customer: who they are and, once they first got in touch, their id."""

    name: str
    phone: str
    email: str
    loyalty: str
    customer_id: int | None = None
    visitor: str | None = None

    @property
    def first(self) -> str:
        return self.name.split()[0]


@dataclass
class DemoWriter:
    uow: UnitOfWork
    counters: dict[str, int] = field(default_factory=dict)

    def count(self, key: str) -> int:
        """1, 2, 3… for each ``key``."""
        self.counters[key] = self.counters.get(key, 0) + 1
        return self.counters[key]

    def provider_id(self, channel: str) -> str:
        return f"demo-{channel}-{self.count(channel)}"

    async def inbound(
        self,
        person: Person,
        at: datetime,
        *,
        channel: str,
        body: str | None,
        type: str = "message",
        status: str | None = None,
        details: Mapping[str, str] | None = None,
        claims: tuple[IdentityClaim, ...] = (),
        data: dict[str, Any] | None = None,
        awaits_reply: bool = True,
        verified: bool = True,
    ) -> int:
        """Customer input at ``at`` on ``channel``, from the person's address there
        (``KINDS``); the first one creates the person's customer."""
        kind = KINDS[channel]
        address = getattr(person, kind)
        assert address is not None
        received = await receive_inbound(
            self.uow,
            Inbound(
                channel=channel,
                kind=kind,
                address=address,
                body=body,
                provider_id=self.provider_id(channel),
                verified=verified,
                type=type,
                status=status,
                name=person.name,
                details=details or {},
                claims=claims,
                data=data or {},
                occurred_at=at,
                customer_id=person.customer_id,
                awaits_reply=awaits_reply,
            ),
        )
        person.customer_id = received.customer.id
        return received.event.id

    async def chat(self, person: Person, at: datetime, *, body: str, **more: Any) -> int:
        """``person`` wrote in the website's chat widget (as their ``visitor``)."""
        return await self.inbound(person, at, channel="webchat", body=body, **more)

    async def text(self, person: Person, at: datetime, *, body: str, **more: Any) -> int:
        """``person`` texted from their phone."""
        return await self.inbound(person, at, channel="sms", body=body, **more)

    async def call(self, person: Person, at: datetime, *, body: str, **more: Any) -> int:
        """A call from ``person``'s phone (``body``: "Incoming call", "Voicemail")."""
        return await self.inbound(person, at, channel="phone", body=body, type="call", **more)

    async def visit(self, person: Person, at: datetime, *, body: str, **more: Any) -> int:
        """``person`` checked in at a store with their loyalty card (nothing to answer)."""
        return await self.inbound(
            person, at, channel="instore", body=body, type="visit", awaits_reply=False, **more
        )

    async def outbound(
        self,
        person: Person,
        at: datetime,
        *,
        channel: str,
        body: str,
        agent: Agent | None,
        status: str = "delivered",
        error_code: str | None = None,
    ) -> int:
        """An agent's reply that was (in the story) sent and then reported ``status``.

        Appended as ``sent`` and advanced with ``record_delivery`` like a provider
        callback would, so delivery failures look exactly like real ones.
        """
        assert person.customer_id is not None
        customer = await get_customer(self.uow.session, person.customer_id)
        thread = await get_thread(self.uow.session, customer.id)
        event = await append_reply(
            self.uow,
            customer,
            thread,
            channel=channel,
            body=body,
            status="sent",
            agent=agent,
            provider_id=self.provider_id(f"{channel}-out"),
            at=at,
        )
        if status != "sent":
            await record_delivery(
                self.uow,
                event_id=event.id,
                status=status,
                error_code=error_code,
                error_message="Unreachable destination handset" if error_code else None,
            )
        return event.id

    async def web_order(
        self,
        person: Person,
        at: datetime,
        number: str,
        items: tuple[ItemInput, ...],
        *,
        status: str,
        pickup_location: str | None = None,
    ) -> int:
        """``person`` ordered from the web shop (order ``number``, e.g. ``W-10421``); the
        first order of someone new creates their customer by email."""
        return await self._order(
            person,
            OrderInput(
                external_id=f"demo-web-{number}",
                email=person.email,
                name=person.name,
                number=number,
                status=status,
                pickup_location=pickup_location,
                placed_at=at,
                items=items,
            ),
        )

    async def store_purchase(
        self, person: Person, at: datetime, store_code: str, items: tuple[ItemInput, ...]
    ) -> int:
        """``person`` paid at ``store_code``'s till (a POS receipt, ``DT1-00003``)."""
        number = f"{store_code}-{self.count(f'pos-{store_code}'):05d}"
        return await self._order(
            person,
            OrderInput(
                external_id=f"demo-pos-{number}",
                number=number,
                source="store",
                store_code=store_code,
                status="completed",
                placed_at=at,
                items=items,
            ),
            channel="instore",
        )

    async def _order(self, person: Person, order: OrderInput, *, channel: str = "api") -> int:
        if person.customer_id is not None:
            order = replace(order, customer_id=person.customer_id)
        written, _ = await upsert_order(self.uow, order, channel=channel)
        person.customer_id = written.customer_id
        return written.id
