"""What store terminals ask of the hub (``HubPort.terminals``).

A frame's effect and its stored ack commit together (a resent frame id answers the
stored ack and changes nothing), so this capability hands the connector one unit of
work per frame, ``FrameWork`` (``async with port.terminals.frame(...)``), whose methods
each delegate to one action of ``hub.actions.instore`` and friends and return plain
values. The read-only frames and the console's answer to an assist run in a
transaction of their own, like every other port method.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime

from hub.actions import instore as actions
from hub.actions.customers import Provenance, add_identity, record_detail
from hub.actions.instore import INSTORE, MAX_ASSIST_CHARS, CustomerRef, Revoked
from hub.actions.orders import OrderInput, upsert_order
from hub.actions.threads import add_note
from hub.commerce.port import ProductStock
from hub.core import Hub, UnitOfWork
from hub.errors import HubError
from hub.models import Customer, Store, Terminal
from hub.models.staff import TERMINAL_ASSOCIATE, TERMINAL_KIOSK, TERMINAL_POS
from hub.port.refs import EventRef
from hub.queries.commerce import Pickup, pickups_at
from hub.queries.instore import context_card
from hub.serializers import event_dict, order_dict
from hub.types import JSONDict

__all__ = [
    "INSTORE",
    "MAX_ASSIST_CHARS",
    "TERMINAL_ASSOCIATE",
    "TERMINAL_KIOSK",
    "TERMINAL_POS",
    "CustomerBrief",
    "CustomerRef",
    "FrameWork",
    "OrderInput",
    "Pickup",
    "Revoked",
    "TerminalPort",
    "TerminalRef",
]


@dataclass(frozen=True)
class TerminalRef:
    """A terminal and its store, as a frame's handler may read them."""

    id: int
    name: str
    role: str
    store_code: str
    store_name: str
    store_timezone: str | None

    @classmethod
    def of(cls, terminal: Terminal, store: Store) -> TerminalRef:
        return cls(
            terminal.id, terminal.name, terminal.role, store.code, store.name, store.timezone
        )


@dataclass(frozen=True)
class CustomerBrief:
    """A customer as a lookup names it."""

    id: int
    name: str | None
    first_name: str | None

    @classmethod
    def of(cls, customer: Customer) -> CustomerBrief:
        return cls(customer.id, customer.name, customer.first_name)


@dataclass(frozen=True)
class Lookup:
    """A lookup's answer: the one customer named, with their context card when asked
    for, or the candidates a name search found."""

    customer: CustomerBrief | None
    card: JSONDict | None
    matches: tuple[CustomerBrief, ...]


class FrameWork:
    """One claimed frame's transaction: its terminal, and what the frame may do."""

    def __init__(self, uow: UnitOfWork, terminal: Terminal, store: Store, frame_id: str) -> None:
        self._uow = uow
        self._terminal = terminal
        self._store = store
        self._frame_id = frame_id
        self.terminal = TerminalRef.of(terminal, store)

    async def lookup(self, ref: CustomerRef, *, name: str | None, card: bool) -> Lookup:
        """``hub.actions.instore.lookup``; ``card``: the context card of a hit."""
        customer, matches = await actions.lookup(self._uow, ref, name=name)
        found = await context_card(self._uow.session, customer) if customer and card else None
        return Lookup(
            CustomerBrief.of(customer) if customer else None,
            found,
            tuple(CustomerBrief.of(c) for c in matches),
        )

    async def check_in(
        self, ref: CustomerRef, *, name: str | None, reason: str | None, provider_id: str
    ) -> tuple[EventRef, bool]:
        """A visit at this terminal's store; returns it and whether the customer is new."""
        event, _, created = await actions.check_in(
            self._uow,
            self._terminal,
            self._store,
            ref,
            name=name,
            reason=reason,
            provider_id=provider_id,
        )
        return EventRef.of(event), created

    async def add_note(self, customer_id: int, body: str, *, provider_id: str) -> EventRef:
        """A private note on the customer's thread, from this terminal."""
        event = await add_note(
            self._uow,
            customer_id,
            body,
            channel=INSTORE,
            terminal_id=self._terminal.id,
            provider_id=provider_id,
        )
        return EventRef.of(event)

    async def record_detail(self, customer_id: int, key: str, value: str) -> tuple[int, str, int]:
        """A fact the customer gave in store: ``(detail id, key as stored, customer id)``."""
        row = await record_detail(self._uow, customer_id, key, value, Provenance(INSTORE))
        return row.id, row.key, row.customer_id

    async def add_identity(self, customer_id: int, kind: str, address: str) -> None:
        """Attach an address the associate typed (asserted), if nobody holds it yet."""
        await add_identity(
            self._uow, customer_id, kind, address, actor=f"terminal:{self._terminal.id}"
        )

    async def identify_customer(self, ref: CustomerRef, *, name: str | None) -> int:
        """The customer ``ref`` names, created for an unknown address (a walk-in)."""
        customer, _ = await actions.identify_customer(self._uow, ref, name=name)
        return customer.id

    async def record_purchase(self, order: OrderInput) -> tuple[JSONDict, bool]:
        """Create or update a till's order (``upsert_order``): its JSON shape, and
        whether it is new."""
        found, created = await upsert_order(
            self._uow, order, channel=INSTORE, terminal_id=self._terminal.id
        )
        return order_dict(found), created

    async def request_assist(self, customer_id: int, body: str, *, provider_id: str) -> EventRef:
        """Ask remote agents for help with a customer (``request_assist``)."""
        event = await actions.request_assist(
            self._uow, self._terminal, self._store, customer_id, body, provider_id=provider_id
        )
        return EventRef.of(event)

    async def send_message(self, customer_id: int, body: str, *, channel: str | None) -> EventRef:
        """Message the customer from the store (``send_from_store``)."""
        event = await actions.send_from_store(
            self._uow, self._terminal, self._store, customer_id, body, channel=channel
        )
        return EventRef.of(event)

    async def store_ack(self, ack: JSONDict) -> None:
        """Record the frame's ack; it commits with the frame's effect."""
        await actions.store_ack(self._uow, self._terminal.id, self._frame_id, ack)


class TerminalPort:
    """Store terminals: keys, frames applied once, lookups, the console's answers."""

    def __init__(self, hub: Hub) -> None:
        self.hub = hub

    async def authenticate(self, key: str) -> int:
        """The terminal ``key`` belongs to (its last sighting recorded). Raises
        ``Unauthorized`` for an unknown key, ``Revoked`` for a revoked one."""
        async with self.hub.uow() as uow:
            terminal, _ = await actions.authenticate_key(uow, key)
            return terminal.id

    async def terminal(self, terminal_id: int) -> TerminalRef:
        """A connected terminal and its store; raises ``Revoked`` once revoked."""
        async with self.hub.uow() as uow:
            terminal = await actions.check_terminal(uow, terminal_id)
            return TerminalRef.of(terminal, await _store(uow, terminal))

    @asynccontextmanager
    async def frame(
        self, terminal_id: int, frame_id: str, frame_type: str
    ) -> AsyncIterator[FrameWork | JSONDict]:
        """Claim ``frame_id`` of a connected terminal in a new transaction: yields the
        frame's ``FrameWork``, or the ack already stored for a resent id (nothing more
        to do). What the work does commits together with ``store_ack``; an exception
        rolls it all back. Raises ``Revoked`` once the terminal is revoked."""
        async with self.hub.uow() as uow:
            terminal = await actions.check_terminal(uow, terminal_id)
            stored = await actions.claim_frame(uow, terminal.id, frame_id, frame_type)
            if stored is not None:
                yield stored
                return
            yield FrameWork(uow, terminal, await _store(uow, terminal), frame_id)

    async def store_refusal(
        self, terminal_id: int, frame_id: str, frame_type: str, ack: JSONDict
    ) -> JSONDict:
        """Store the error ack of a frame whose effect was refused, so a resend gets the
        same answer; returns the ack stored first (a racing resend's, if any)."""
        async with self.hub.uow() as uow:
            stored = await actions.claim_frame(uow, terminal_id, frame_id, frame_type)
            if stored is not None:
                return stored
            await actions.store_ack(uow, terminal_id, frame_id, ack)
            return ack

    async def stock(self, skus: Sequence[str]) -> list[ProductStock]:
        """The connected shop's stock of ``skus``; ``HubError`` (``no_shop``) without one."""
        commerce = self.hub.commerce
        if commerce is None:
            raise HubError("no shop is connected", code="no_shop")
        return await commerce.stock(list(skus))

    async def pickups(self, locations: tuple[str, ...], day_start: datetime) -> list[Pickup]:
        """A store's pickup list of the day (``hub.queries.commerce.pickups_at``)."""
        async with self.hub.read() as session:
            return await pickups_at(session, locations, day_start)

    async def reply_to_assist(self, assist_event_id: int, body: str, agent_id: int) -> JSONDict:
        """An agent answers a terminal's assist request; returns the reply event's JSON
        shape (``hub.serializers.event_dict``)."""
        async with self.hub.uow() as uow:
            event = await actions.reply_to_assist(uow, assist_event_id, body, agent_id)
            return event_dict(event)


async def _store(uow: UnitOfWork, terminal: Terminal) -> Store:
    store = await uow.session.get(Store, terminal.store_id)
    assert store is not None
    return store
