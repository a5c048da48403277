"""The connector port: what a channel may ask of the hub, as typed methods.

A connector (``connectors/<name>/``) gets one ``HubPort`` (``Connector.port``) and uses
it instead of the hub's actions, models and queries: it hands customer input to
``ingest``, reports what became of a reply with ``record_delivery``, records consent,
and looks up the few facts a channel needs (an event by the provider's id, when the
customer last wrote). Every method runs in
a transaction of its own and returns plain values, never ORM objects, so a connector
cannot write tables behind the hub's back. A read asked from inside a hub transaction
(a ``Connector.prepare_reply`` hook) passes that ``uow`` so it sees what the
transaction wrote. A channel needing something new adds one
narrow method here.

Capabilities only some channels use are grouped in objects of their own, one module
each: ``port.visitors`` (the widget's history, one-time codes, handoffs and ratings,
``hub.port.visitors``), ``port.terminals`` (store terminals: keys, frames applied once,
lookups, the console's answers to assists, ``hub.port.terminals``), ``port.phone`` (the
phone's call flow: incoming calls and the IVR's steps, statuses, voicemail, recordings,
callbacks, click-to-call, ``hub.port.phone``), ``port.calls`` (calls in their
conference rooms: legs, steps, transfers, the wallboard, ``hub.port.calls``). A
terminal's frame is the one place a connector holds a transaction: ``terminals.frame``
hands out its unit of work, so the frame's effect and its ack commit together.

The names a connector needs (identity kinds, consent keywords and opt-in sources) are
re-exported here for the same reason.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from hub import events as ev
from hub.actions.claim_links import after_text, is_yes, may_link
from hub.actions.commerce import apply_shop_update as _apply_shop_update
from hub.actions.consent import HELP, START, STOP, consent_keyword, find_opt_in
from hub.actions.consent import opt_out_address as _opt_out_address
from hub.actions.consent import record_opt_in as _record_opt_in
from hub.actions.customers import get_customer, get_thread
from hub.actions.inbound import Received
from hub.actions.replies import record_delivery as _record_delivery
from hub.actions.timeline import find_event as _find_event
from hub.channels import Connector
from hub.commerce.port import CommercePort, ShopUpdate
from hub.commerce.service import CommerceService
from hub.core import Hub, UnitOfWork
from hub.ingest import IngestBatcher
from hub.models import Event, Identity
from hub.models.consent import CUSTOMER_MESSAGE, KEYWORD
from hub.models.customer import ASSERTED, EMAIL, LOYALTY, PHONE, USER, VERIFIED, VISITOR
from hub.models.thread import AGENT, IN, MESSAGE, OUT, QUEUE, VOICEMAIL
from hub.policies.out_of_hours import schedule_cache
from hub.port.calls import CallPort
from hub.port.phone import PhonePort
from hub.port.refs import EventRef, Receipt
from hub.port.terminals import TerminalPort
from hub.port.visitors import VisitorPort
from hub.queries.suggestions import recent_claims
from hub.queries.timeline import event_data_after, latest_inbound
from hub.queries.timeline import last_inbound_at as _last_inbound_at
from hub.rules.hours import Schedule
from hub.settings import Settings
from hub.types import Inbound

__all__ = [
    "AGENT",
    "ASSERTED",
    "CUSTOMER_MESSAGE",
    "EMAIL",
    "HELP",
    "IN",
    "KEYWORD",
    "LOYALTY",
    "MESSAGE",
    "OUT",
    "PHONE",
    "QUEUE",
    "START",
    "STOP",
    "USER",
    "VERIFIED",
    "VISITOR",
    "VOICEMAIL",
    "EventRef",
    "HubPort",
    "Receipt",
    "consent_keyword",
]


class HubPort:
    """The hub as one channel sees it (built once per hub by ``create_app``)."""

    def __init__(self, hub: Hub) -> None:
        self.hub = hub
        self._ingest = IngestBatcher(hub)
        # Capabilities only some channels use, one object each.
        self.visitors = VisitorPort(hub)
        self.terminals = TerminalPort(hub)
        self.phone = PhonePort(hub)
        self.calls = CallPort(hub)

    @property
    def settings(self) -> Settings:
        return self.hub.settings

    def agents_online(self) -> bool:
        """Whether an agent has the console open now (in any hub process)."""
        return bool(self.hub.presence())

    async def business_hours(self) -> Schedule | None:
        """The default team's business hours (cached; None when none are set)."""
        return await schedule_cache(self.hub).get()

    async def customer_typing(self, customer_id: int, typing: bool) -> None:
        """Show agents watching the customer that they are typing (never stored)."""
        payload = {"customer_id": customer_id, "who": "customer", "typing": typing}
        await self.hub.publish([ev.DomainEvent(ev.TYPING, payload, customer_id)])

    def connector(self, channel: str) -> Connector | None:
        """Another installed channel (one provider webhook may carry two channels)."""
        return self.hub.connector(channel)

    def connector_reaching(self, kind: str) -> Connector | None:
        """The first installed channel that delivers replies to identities of ``kind``
        (e.g. the one that texts a phone), if any."""
        return next((c for c in self.hub.connectors.values() if kind in c.reply_kinds), None)

    async def ingest(self, inbound: Inbound) -> Receipt:
        """Store customer input; returns once it is committed.

        Concurrent calls share transactions (group commit, ``hub.ingest``); a replayed
        provider id answers the stored event with ``duplicate=True``. The hub's
        policies (out-of-hours reply, CSAT answers) run for it; a consent keyword rides
        on ``inbound.consent``. Raises ``HubError`` for input the hub refuses.
        """
        received = await self._ingest.submit(inbound)
        return Receipt(
            received.event.id,
            received.customer.id,
            received.thread.id,
            received.identity.id if received.identity is not None else None,
            received.duplicate,
            may_link(received),
        )

    async def follow_up_text(self, receipt: Receipt) -> None:
        """What a stored text from a proven number may set off (``hub.actions.claim_links``):
        a YES answering the hub's confirmation prompt links the texter to the chat it
        named; the first text from a number a recent chat gave gets that prompt. Costs
        nothing unless ``receipt.may_link``."""
        if not receipt.may_link or receipt.identity_id is None:
            return
        async with self.hub.uow() as uow:
            event = await uow.session.get(Event, receipt.event_id)
            identity = await uow.session.get(Identity, receipt.identity_id)
            if event is None or identity is None:
                return
            customer = await get_customer(uow.session, receipt.customer_id)
            thread = await get_thread(uow.session, customer.id)
            received = Received(event, customer, thread, identity, duplicate=False)
            claimant = None
            if not is_yes(event.body):  # a first text: who gave its number recently
                claims = await recent_claims(
                    uow.session,
                    identity.kind,
                    identity.address,
                    hours=uow.settings.claim_match_hours,
                    exclude_customer_id=customer.id,
                )
                claimant = claims[0].customer if claims else None
            await after_text(uow, received, claimant)

    async def record_delivery(
        self,
        status: str,
        *,
        event_id: int | None = None,
        channel: str | None = None,
        provider_id: str | None = None,
        new_provider_id: str | None = None,
        error_code: str | None = None,
        error_message: str | None = None,
    ) -> EventRef | None:
        """Move a reply's delivery status forward (never back), found by ``event_id`` or
        ``(channel, provider_id)``; ``new_provider_id`` records the provider's id for it.
        Returns the message, or None when there is no such message."""
        async with self.hub.uow() as uow:
            event = await _record_delivery(
                uow,
                status=status,
                event_id=event_id,
                channel=channel,
                provider_id=provider_id,
                new_provider_id=new_provider_id,
                error_code=error_code,
                error_message=error_message,
            )
            return EventRef.of(event) if event is not None else None

    async def find_event(self, channel: str, provider_id: str) -> EventRef | None:
        """The event the provider knows as ``provider_id`` on ``channel``, or None."""
        async with self.hub.uow() as uow:
            event = await _find_event(uow, channel, provider_id)
            return EventRef.of(event) if event is not None else None

    async def get_event(self, event_id: int) -> EventRef | None:
        async with self.hub.read() as session:
            event = await session.get(Event, event_id)
            return EventRef.of(event) if event is not None else None

    async def latest_inbound(self, customer_id: int, channel: str) -> EventRef | None:
        """The customer's latest input on ``channel`` (e.g. the mail a reply threads under)."""
        async with self.hub.read() as session:
            event = await latest_inbound(session, customer_id, channel)
            return EventRef.of(event) if event is not None else None

    async def attachment_digests(self, channel: str, *, batch: int = 500) -> set[str]:
        """The ``sha256`` of every attachment still listed (``data["attachments"]``) on
        an event of ``channel``: the files a channel storing attachments must keep
        (an erased customer's events no longer list theirs). Read in id order, in
        batches, so a large history never loads at once."""
        found: set[str] = set()
        last_id = 0
        while True:
            async with self.hub.read() as session:
                rows = await event_data_after(session, channel, last_id, batch)
            if not rows:
                return found
            for event_id, data in rows:
                last_id = event_id
                for item in data.get("attachments") or []:
                    if isinstance(item, dict) and isinstance(item.get("sha256"), str):
                        found.add(item["sha256"])

    async def last_inbound_at(
        self,
        customer_id: int,
        channel: str,
        identity_id: int | None = None,
        *,
        uow: UnitOfWork | None = None,
    ) -> datetime | None:
        """When the customer last wrote on ``channel`` (from ``identity_id`` when given)."""
        async with self._reading(uow) as session:
            return await _last_inbound_at(session, customer_id, channel, identity_id)

    async def opt_out(self, kind: str, address: str) -> bool:
        """Opt the identity out (the provider says it unsubscribed); False if unknown."""
        async with self.hub.uow() as uow:
            return await _opt_out_address(uow, kind, address) is not None

    async def record_opt_in(self, identity_id: int, channel: str, source: str) -> bool:
        """Record that the identity agreed to be messaged on ``channel`` (the first record
        stands); True when this call recorded it."""
        async with self.hub.uow() as uow:
            return await _record_opt_in(uow, identity_id, channel, source)

    async def has_opt_in(
        self, identity_id: int, channel: str, *, uow: UnitOfWork | None = None
    ) -> bool:
        """Whether the identity agreed to be messaged on ``channel``."""
        async with self._reading(uow) as session:
            return await find_opt_in(session, identity_id, channel) is not None

    def connect_shop(self, shop: CommercePort, *, channel: str) -> None:
        """Make ``shop`` the hub's commerce port (orders, stock, order actions); its
        orders appear on timelines under ``channel``."""
        self.hub.commerce = CommerceService(shop, channel=channel)

    async def apply_shop_update(
        self, source: str, delivery_id: str, topic: str, update: ShopUpdate | None
    ) -> str:
        """Apply one shop webhook once per ``(source, delivery_id)``, in one transaction
        with its claim (``hub.actions.commerce.apply_shop_update``); returns
        ``duplicate`` for a redelivery, else what happened. Two first deliveries of one
        new order racing: the loser's insert hits the unique order id and its retry
        updates the winner's order."""
        for attempt in range(2):
            try:
                async with self.hub.uow() as uow:
                    return await _apply_shop_update(uow, source, delivery_id, topic, update)
            except IntegrityError:
                if attempt:
                    raise
        raise AssertionError("unreachable")  # pragma: no cover

    @asynccontextmanager
    async def _reading(self, uow: UnitOfWork | None) -> AsyncIterator[AsyncSession]:
        """``uow``'s session when reading inside it, else a read-only session."""
        if uow is not None:
            yield uow.session
            return
        async with self.hub.read() as session:
            yield session
