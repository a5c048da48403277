"""What store terminals do: check-ins, assist requests and their replies, lookups.

The in-store connector (``connectors/instore``) parses frames and calls these inside
one unit of work per frame, together with ``claim_frame``/``store_ack`` so a frame's
ack row commits in the same transaction as its effect.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from hub import events as ev
from hub.actions.customers import (
    find_identity,
    get_customer,
    get_thread,
    normalize_or_invalid,
    resolve_identity,
)
from hub.actions.replies import send_reply
from hub.actions.timeline import Appended, NewEvent, append_event, append_to_customer
from hub.core import UnitOfWork
from hub.db import utcnow
from hub.errors import Forbidden, HubError, Invalid, NotFound
from hub.models import Agent, Customer, Event, Store, Terminal, TerminalFrame
from hub.models.customer import EMAIL, LOYALTY, PHONE
from hub.models.thread import ASSIST, VISIT
from hub.security import key_matches, split_key
from hub.serializers import (
    customer_dict,
    event_dict,
    iso,
)

INSTORE = "instore"
MAX_ASSIST_CHARS = 2000
NAME_MATCHES = 10


class Unauthorized(HubError, code="unauthorized", status=401):
    """The terminal's key is unknown or wrong."""


class Revoked(Forbidden, code="revoked"):
    """The terminal's key was revoked: it must stop (the socket is closed)."""


@dataclass(frozen=True)
class CustomerRef:
    """How a frame names its customer: an id from a lookup, or an address given at the till."""

    customer_id: int | None = None
    phone: str | None = None
    email: str | None = None
    loyalty_id: str | None = None

    @property
    def empty(self) -> bool:
        return not (self.customer_id or self.phone or self.email or self.loyalty_id)

    def address(self) -> tuple[str, str] | None:
        for kind, value in ((PHONE, self.phone), (EMAIL, self.email), (LOYALTY, self.loyalty_id)):
            if value:
                return kind, value
        return None


# -- terminals and their frames ----------------------------------------------------------


async def authenticate_key(uow: UnitOfWork, key: str) -> tuple[Terminal, Store]:
    """The terminal and store for ``key``. Raises ``Unauthorized`` for an unknown key and
    ``Revoked`` for a revoked one, so callers can tell them apart."""
    prefix = split_key(key or "")
    terminal = None
    if prefix is not None:
        result = await uow.session.execute(select(Terminal).where(Terminal.key_prefix == prefix))
        terminal = result.scalar_one_or_none()
    if terminal is None or not key_matches(key, terminal.key_hash):
        raise Unauthorized("unknown terminal key")
    if terminal.revoked_at is not None:
        raise Revoked("this terminal's key was revoked")
    terminal.last_seen_at = utcnow()
    store = await uow.session.get(Store, terminal.store_id)
    assert store is not None
    return terminal, store


async def check_terminal(uow: UnitOfWork, terminal_id: int) -> Terminal:
    """Reload a connected terminal; raises ``Revoked`` once revoked."""
    terminal = await uow.session.get(Terminal, terminal_id, populate_existing=True)
    if terminal is None or terminal.revoked_at is not None:
        raise Revoked("this terminal's key was revoked")
    return terminal


async def claim_frame(
    uow: UnitOfWork, terminal_id: int, frame_id: str, type: str
) -> dict[str, Any] | None:
    """Reserve ``frame_id`` for this transaction, or return the ack already stored for it.

    The row is inserted before the effect runs: a concurrent resend of the same id (on
    another connection or process) waits on the unique key until this transaction ends,
    then reads the committed ack instead of applying the effect twice.
    """
    existing = await _stored_ack(uow.session, terminal_id, frame_id)
    if existing is not None:
        return existing
    try:
        async with uow.session.begin_nested():
            uow.session.add(TerminalFrame(terminal_id=terminal_id, frame_id=frame_id, type=type))
            await uow.session.flush()
    except IntegrityError:
        existing = await _stored_ack(uow.session, terminal_id, frame_id)
        if existing is None:  # pragma: no cover - the winner rolled back; caller retries
            raise
        return existing
    return None


async def store_ack(uow: UnitOfWork, terminal_id: int, frame_id: str, ack: dict[str, Any]) -> None:
    """Record the ack of a claimed frame; it commits with the frame's effect."""
    result = await uow.session.execute(
        select(TerminalFrame).where(
            TerminalFrame.terminal_id == terminal_id, TerminalFrame.frame_id == frame_id
        )
    )
    result.scalar_one().ack = ack
    await uow.session.flush()


async def _stored_ack(
    session: AsyncSession, terminal_id: int, frame_id: str
) -> dict[str, Any] | None:
    result = await session.execute(
        select(TerminalFrame.ack).where(
            TerminalFrame.terminal_id == terminal_id, TerminalFrame.frame_id == frame_id
        )
    )
    ack = result.scalar_one_or_none()
    return dict(ack) if ack else None


# -- customers at the till ---------------------------------------------------------------


async def find_customer(uow: UnitOfWork, ref: CustomerRef) -> Customer | None:
    """The live customer ``ref`` names, or None when its address is unknown."""
    if ref.customer_id is not None:
        return await get_customer(uow.session, ref.customer_id)
    address = ref.address()
    if address is None:
        raise Invalid(
            "name the customer: customer_id, phone, email or loyalty_id", code="no_customer"
        )
    kind, raw = address
    identity = await find_identity(
        uow.session, kind, normalize_or_invalid(kind, raw, uow.settings.default_region)
    )
    return None if identity is None else await get_customer(uow.session, identity.customer_id)


async def identify_customer(
    uow: UnitOfWork, ref: CustomerRef, *, name: str | None = None
) -> tuple[Customer, bool]:
    """Find the customer ``ref`` names, creating one for an unknown phone, email or
    loyalty id (a walk-in). The identity is ``asserted``: the associate typed it."""
    customer = await find_customer(uow, ref)
    if customer is not None:
        return customer, False
    kind, raw = ref.address() or ("", "")
    address = normalize_or_invalid(kind, raw, uow.settings.default_region)
    _, customer, created = await resolve_identity(uow, kind, address, verified=False, name=name)
    return customer, created


async def check_in(
    uow: UnitOfWork,
    terminal: Terminal,
    store: Store,
    ref: CustomerRef,
    *,
    name: str | None = None,
    reason: str | None = None,
    provider_id: str | None = None,
) -> tuple[Event, Customer, bool]:
    """Record that the customer is in ``store`` (a ``visit`` event on their thread).

    Returns ``(event, customer, customer_created)``. The visit does not change the
    channel replies go to: a terminal cannot receive a customer reply.
    """
    customer, created = await identify_customer(uow, ref, name=name)
    body = f"Checked in at {store.name}" + (f": {reason.strip()}" if reason else "")
    appended = await _append_from_store(
        uow, terminal, store, customer, VISIT, body, provider_id, reason=reason
    )
    return appended.event, customer, created


async def _append_from_store(
    uow: UnitOfWork,
    terminal: Terminal,
    store: Store,
    customer: Customer,
    type: str,
    body: str,
    provider_id: str | None,
    **data: Any,
) -> Appended:
    """An in-store event written by ``terminal``, naming the store and terminal in its data
    (then ``data``); idempotent on ``provider_id`` (the terminal's frame id)."""
    return await append_event(
        uow,
        customer,
        await get_thread(uow.session, customer.id),
        NewEvent(
            type=type,
            channel=INSTORE,
            body=body,
            provider_id=provider_id,
            terminal_id=terminal.id,
            data={"store_code": store.code, "terminal": terminal.name, **data},
        ),
    )


async def send_from_store(
    uow: UnitOfWork,
    terminal: Terminal,
    store: Store,
    customer_id: int,
    body: str,
    *,
    channel: str | None = None,
) -> Event:
    """Message the customer on SMS/webchat (default: their last channel) from the store."""
    event = await send_reply(
        uow,
        customer_id,
        body,
        channel=channel,
        via=INSTORE,
        data={"store_code": store.code, "terminal": terminal.name},
    )
    event.terminal_id = terminal.id
    return event


# -- assist requests ---------------------------------------------------------------------


async def request_assist(
    uow: UnitOfWork,
    terminal: Terminal,
    store: Store,
    customer_id: int,
    body: str,
    *,
    provider_id: str | None = None,
) -> Event:
    """An associate asks remote agents for help with a customer.

    Adds an ``assist`` event (status ``open``) to the customer's thread and announces
    ``assist.requested`` to every console; ``reply_to_assist`` answers it.
    """
    body = _checked_body(body)
    customer = await get_customer(uow.session, customer_id)
    appended = await _append_from_store(
        uow, terminal, store, customer, ASSIST, body, provider_id, status="open"
    )
    if appended.created:
        uow.emit(
            ev.DomainEvent(
                ev.ASSIST_REQUESTED,
                {
                    "customer_id": customer.id,
                    "customer": customer_dict(customer),
                    "event": event_dict(appended.event),
                    "store": {"code": store.code, "name": store.name},
                    "terminal": {"id": terminal.id, "name": terminal.name},
                },
                customer.id,
            )
        )
    return appended.event


async def reply_to_assist(uow: UnitOfWork, assist_event_id: int, body: str, agent_id: int) -> Event:
    """An agent answers a terminal's assist request.

    Adds the answer to the thread (an ``assist`` event from the console, ``data.reply_to``
    = the request), marks the request ``answered`` and, after commit, publishes
    ``assist.replied`` which the in-store connector delivers to the asking terminal.
    """
    body = _checked_body(body)
    request = await uow.session.get(Event, assist_event_id)
    if request is None or request.type != ASSIST or request.terminal_id is None:
        raise NotFound(f"assist request {assist_event_id} not found")
    agent = await uow.session.get(Agent, agent_id)
    if agent is None or not agent.is_active:
        raise NotFound(f"agent {agent_id} not found")
    appended = await append_to_customer(
        uow,
        request.customer_id,
        NewEvent(
            type=ASSIST,
            channel="console",
            body=body,
            agent_id=agent.id,
            terminal_id=request.terminal_id,
            data={"reply_to": request.id, "agent_name": agent.name},
        ),
    )
    customer_id = appended.event.customer_id  # the live customer (merges followed)
    request.data = {**(request.data or {}), "status": "answered"}
    await uow.session.flush()
    uow.emit(ev.event_updated(request, customer_id))
    uow.emit(
        ev.DomainEvent(
            ev.ASSIST_REPLIED,
            {
                "terminal_id": request.terminal_id,
                "assist_id": request.id,
                "reply_id": appended.event.id,
                "customer_id": customer_id,
                "body": body,
                "agent": {"id": agent.id, "name": agent.name},
                "created_at": iso(appended.event.created_at),
            },
            customer_id,
        )
    )
    return appended.event


def _checked_body(body: str) -> str:
    body = (body or "").strip()
    if not body:
        raise Invalid("a body is required", code="empty_body")
    if len(body) > MAX_ASSIST_CHARS:
        raise Invalid(f"longer than {MAX_ASSIST_CHARS} characters", code="too_long")
    return body


# -- the context card --------------------------------------------------------------------


async def lookup(
    uow: UnitOfWork, ref: CustomerRef, *, name: str | None = None
) -> tuple[Customer | None, list[Customer]]:
    """The one customer a lookup names, or the candidates a name search found.

    Returns ``(customer, [])`` for an exact hit, ``(None, matches)`` when a name matches
    several customers (or none).
    """
    if not ref.empty:
        return await find_customer(uow, ref), []
    if not name or not name.strip():
        raise Invalid(
            "look up by phone, email, loyalty_id, customer_id or name", code="no_customer"
        )
    pattern = "%" + name.strip().lower().replace("\\", "").replace("%", "").replace("_", "") + "%"
    result = await uow.session.execute(
        select(Customer)
        .where(Customer.name.ilike(pattern), Customer.merged_into_id.is_(None))
        .order_by(Customer.id)
        .limit(NAME_MATCHES)
    )
    customers = list(result.scalars())
    if len(customers) == 1:
        return customers[0], []
    return None, customers
