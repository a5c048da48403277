"""Finding, creating and enriching customers and their identities.

The identity rule (DESIGN.md, "proof, not typing, links channels"): an identity is
*verified* when the channel proved the address (the carrier delivered the SMS or call,
a code sent there came back, a signed widget user id, the shop or POS vouched with its
key) and *asserted* when someone typed it. Typed phones and emails are kept as
details (claims, never unique: several people may type one number) and show to agents
as suggested matches (``hub.queries.suggestions``). A verified sighting of an address
that another record holds only as asserted never joins or upgrades that record: the
identity is released to the proven holder (or a new customer) and the typist keeps
the claim. Linking the two then takes an agent's merge or the caller's own proof.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from hub import events as ev
from hub.actions.audit import record_audit
from hub.core import UnitOfWork
from hub.db import utcnow
from hub.errors import Invalid, NotFound
from hub.identity import InvalidAddress, normalize
from hub.models import Customer, Detail, Event, Identity, Thread
from hub.models.customer import ASSERTED, FROM_FORM, TYPED_KINDS, VERIFIED
from hub.types import IdentityClaim

MAX_DETAIL_KEY = 64
MAX_DETAIL_VALUE = 2000
MAX_TYPED_VALUE = 320  # a phone or email detail (indexed for claim look-ups)


@dataclass(frozen=True)
class Provenance:
    """Where a fact about a customer came from: the channel it was given on, the event
    that carried it (if any) and when it was given (default: when it is recorded)."""

    channel: str
    source_event_id: int | None = None
    created_at: datetime | None = None

    @classmethod
    def of(cls, event: Event) -> Provenance:
        """Given in ``event``, on its channel, at its time."""
        return cls(event.channel, event.id, event.created_at)


@lru_cache(maxsize=8192)
def normalize_or_invalid(kind: str, address: str, region: str) -> str:
    """``address`` in its stored form (``hub.identity.normalize``), or ``Invalid``.

    Cached: a pure function, and parsing phone numbers is a measurable part of
    every inbound message (refusals are not cached)."""
    try:
        return normalize(kind, address, region)
    except InvalidAddress as exc:
        raise Invalid(str(exc), code="invalid_address") from exc


async def find_identity(session: AsyncSession, kind: str, address: str) -> Identity | None:
    result = await session.execute(
        select(Identity).where(Identity.kind == kind, Identity.address == address)
    )
    return result.scalar_one_or_none()


async def get_customer(session: AsyncSession, customer_id: int) -> Customer:
    """The live customer for ``customer_id``, following merge pointers."""
    for _ in range(32):
        customer = await session.get(Customer, customer_id)
        if customer is None:
            raise NotFound(f"customer {customer_id} not found")
        if customer.merged_into_id is None:
            return customer
        customer_id = customer.merged_into_id
    raise NotFound(f"customer {customer_id} not found")


async def get_thread(session: AsyncSession, customer_id: int) -> Thread:
    """The customer's one thread (created if missing). Threads loaded earlier in this
    session by ``resolve_identity`` are reused without a query."""
    cached = _thread_cache(session).get(customer_id)
    if cached is not None:
        return cached
    result = await session.execute(select(Thread).where(Thread.customer_id == customer_id))
    thread = result.scalar_one_or_none()
    if thread is None:
        thread = Thread(customer_id=customer_id)
        session.add(thread)
        await session.flush()
    _thread_cache(session)[customer_id] = thread
    return thread


def _thread_cache(session: AsyncSession) -> dict[int, Thread]:
    # Strong references for the session's lifetime (the identity map's are weak).
    cache: dict[int, Thread] = session.info.setdefault("threads_by_customer", {})
    return cache


async def create_customer(uow: UnitOfWork, name: str | None = None) -> tuple[Customer, Thread]:
    """A new customer with their (empty, open) thread."""
    customer = Customer(name=(name or None) and name.strip()[:200])
    uow.session.add(customer)
    await uow.session.flush()
    thread = Thread(customer_id=customer.id, created_at=customer.created_at)
    uow.session.add(thread)
    await uow.session.flush()
    _thread_cache(uow.session)[customer.id] = thread
    return customer, thread


async def resolve_identity(
    uow: UnitOfWork,
    kind: str,
    address: str,
    *,
    verified: bool,
    name: str | None = None,
    customer_id: int | None = None,
) -> tuple[Identity, Customer, bool]:
    """Find the identity ``(kind, address)`` or create it with a new customer.

    ``address`` must already be normalised. Safe under concurrency across processes:
    the unique constraint on ``(kind, address)`` decides the race and the loser reads
    the winner's row. Returns ``(identity, customer, created)``. With ``customer_id``
    (a customer the caller proved this input belongs to, e.g. by a handoff code), a
    missing identity is attached to that customer instead of a new one.

    A verified sighting of a phone or email that a customer other than ``customer_id``
    holds only as *asserted* (typed) does not land on that customer: the identity is
    released to ``customer_id`` or a new customer (``release_typed``). Other asserted
    identities are upgraded.
    """
    session = uow.session
    # The customer comes with the identity (one round trip on the hot path); the
    # get_customer below then finds it in the session.
    found = await session.execute(
        select(Identity, Customer, Thread)
        .join(Customer, Customer.id == Identity.customer_id)
        .outerjoin(Thread, Thread.customer_id == Customer.id)
        .where(Identity.kind == kind, Identity.address == address)
    )
    row = found.first()
    identity = row[0] if row is not None else None
    if row is not None and row[2] is not None:
        _thread_cache(session)[row[1].id] = row[2]
    created = False
    if identity is None:
        try:
            async with session.begin_nested():
                if customer_id is None:
                    customer, _ = await create_customer(uow, name)
                else:
                    customer = await get_customer(session, customer_id)
                identity = Identity(
                    customer_id=customer.id,
                    kind=kind,
                    address=address,
                    verification=VERIFIED if verified else ASSERTED,
                )
                session.add(identity)
                await session.flush()
                created = True
        except IntegrityError:
            identity = await find_identity(session, kind, address)
            if identity is None:  # pragma: no cover - the winner rolled back
                raise
    assert identity is not None
    if verified and identity.verification != VERIFIED:
        if identity.kind in TYPED_KINDS and identity.customer_id != customer_id:
            await release_typed(uow, identity, to_customer_id=customer_id, name=name)
        identity.verification = VERIFIED
    identity.last_seen_at = utcnow()
    customer = await get_customer(session, identity.customer_id)
    if name and not customer.name:
        customer.name = name.strip()[:200]
    return identity, customer, created


async def add_identity(
    uow: UnitOfWork,
    customer_id: int,
    kind: str,
    address: str,
    *,
    verified: bool = False,
    actor: str = "system",
) -> Identity | None:
    """Attach ``(kind, address)`` to a customer if nobody holds it yet.

    Returns the identity, or None when another customer holds it: an asserted claim
    never moves someone else's identity (agents see a suggested match instead), and
    proof never takes a *verified* identity from its holder. With ``verified`` (the
    caller proved the address belongs to this customer), an identity another customer
    only typed is released to this one (``release_typed``).
    """
    address = normalize_or_invalid(kind, address, uow.settings.default_region)
    customer = await get_customer(uow.session, customer_id)
    existing = await find_identity(uow.session, kind, address)
    if existing is not None:
        if existing.customer_id != customer.id:
            if not verified or existing.verification == VERIFIED:
                return None
            await release_typed(uow, existing, to_customer_id=customer.id)
        if verified and existing.verification != VERIFIED:
            existing.verification = VERIFIED
        return existing
    try:
        async with uow.session.begin_nested():
            identity = Identity(
                customer_id=customer.id,
                kind=kind,
                address=address,
                verification=VERIFIED if verified else ASSERTED,
            )
            uow.session.add(identity)
            await uow.session.flush()
    except IntegrityError:
        return None
    uow.emit(ev.DomainEvent(ev.CUSTOMER_UPDATED, {"customer_id": customer.id}, customer.id))
    return identity


async def release_typed(
    uow: UnitOfWork,
    identity: Identity,
    *,
    to_customer_id: int | None = None,
    name: str | None = None,
) -> Customer:
    """Move an *asserted* phone or email identity away from the customer who typed it,
    to ``to_customer_id`` (who proved it) or a new customer, and mark it verified.

    The typist keeps the address as a detail (a claim) so agents still see the two as
    a suggested match; nothing of the typist's thread moves and nothing of the proven
    holder's reaches the typist. Audited as ``identity.released``. Returns the holder.
    """
    typist = await get_customer(uow.session, identity.customer_id)
    if to_customer_id is None:
        holder, _ = await create_customer(uow, name)
    else:
        holder = await get_customer(uow.session, to_customer_id)
    thread = await get_thread(uow.session, typist.id)
    await record_detail(
        uow,
        typist.id,
        identity.kind,
        identity.address,
        Provenance(thread.last_channel or "console", created_at=identity.created_at),
        origin=FROM_FORM,
    )
    identity.customer_id = holder.id
    identity.verification = VERIFIED
    await uow.session.flush()
    await record_audit(
        uow,
        "system",
        "identity.released",
        "customer",
        typist.id,
        {"identity_id": identity.id, "kind": identity.kind, "to_customer_id": holder.id},
    )
    for customer_id in (typist.id, holder.id):
        uow.emit(ev.DomainEvent(ev.CUSTOMER_UPDATED, {"customer_id": customer_id}, customer_id))
    return holder


async def record_claim(
    uow: UnitOfWork,
    customer_id: int,
    claim: IdentityClaim,
    source: Provenance,
) -> None:
    """An extra identity an inbound carries: a proven one is attached (``add_identity``),
    a typed one is only recorded as a detail (a claim, from ``source``; see the module
    docstring)."""
    if claim.verified:
        await add_identity(uow, customer_id, claim.kind, claim.address, verified=True)
        return
    address = normalize_or_invalid(claim.kind, claim.address, uow.settings.default_region)
    await record_detail(uow, customer_id, claim.kind, address, source, origin=FROM_FORM)


async def record_detail(
    uow: UnitOfWork,
    customer_id: int,
    key: str,
    value: str,
    source: Provenance,
    *,
    origin: str | None = None,
) -> Detail:
    """Remember a fact the customer gave. The same key and value twice is kept once.

    ``source`` says on which channel, in which event and when the customer gave it;
    ``origin`` how it came (``FROM_FORM``, ``FROM_TEXT``). A phone or email is
    kept normalised when it parses, so claims on one address compare equal.
    """
    key = key.strip().lower().replace(" ", "_")[:MAX_DETAIL_KEY]
    value = value.strip()
    if not key or not value:
        raise Invalid("a detail needs a key and a value")
    if len(value) > MAX_DETAIL_VALUE:
        raise Invalid(f"detail value longer than {MAX_DETAIL_VALUE} characters")
    if key in TYPED_KINDS:
        if len(value) > MAX_TYPED_VALUE:
            raise Invalid(f"a {key} is at most {MAX_TYPED_VALUE} characters")
        try:
            value = normalize(key, value, uow.settings.default_region)
        except InvalidAddress:
            pass  # kept as given: an agent may still read it
    customer = await get_customer(uow.session, customer_id)
    existing = await uow.session.execute(
        select(Detail).where(
            Detail.customer_id == customer.id, Detail.key == key, Detail.value == value
        )
    )
    detail = existing.scalars().first()
    if detail is not None:
        return detail
    detail = Detail(
        customer_id=customer.id,
        key=key,
        value=value,
        channel=source.channel,
        source_event_id=source.source_event_id,
        created_at=source.created_at or utcnow(),
        origin=origin,
    )
    uow.session.add(detail)
    if key == "name" and not customer.name:
        customer.name = value[:200]
    await uow.session.flush()
    uow.emit(ev.customer_updated(customer))
    return detail


async def rename_customer(uow: UnitOfWork, customer_id: int, name: str) -> Customer:
    customer = await get_customer(uow.session, customer_id)
    customer.name = name.strip()[:200] or None
    uow.emit(ev.customer_updated(customer))
    return customer
