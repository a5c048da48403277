"""Finding customers and assembling what an agent or associate needs to know about one."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    Integer,
    Select,
    String,
    and_,
    bindparam,
    literal,
    or_,
    select,
    tuple_,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from hub.identity import InvalidAddress, normalize_email, normalize_phone
from hub.models import Customer, Detail, Event, Identity, Order, Thread
from hub.models.customer import EMAIL, PHONE
from hub.models.thread import MESSAGE

SEARCH_LIMIT = 50
# "The detail claims a phone or email", in the SQL as literals: the claims index
# (``ix_details_claims``) covers only those rows, and a database uses an index with a
# WHERE only when the query says the same (a bound parameter would not do). Without it
# the suggested-match reads scanned every detail of every customer.
CLAIMS = Detail.key.in_(
    [literal(PHONE, literal_execute=True), literal(EMAIL, literal_execute=True)]
)


async def search_customers(
    session: AsyncSession,
    *,
    phone: str | None = None,
    email: str | None = None,
    q: str | None = None,
    region: str = "US",
    limit: int = SEARCH_LIMIT,
) -> list[tuple[Customer, Thread | None]]:
    """Live (not merged-away) customers matching an exact phone or email, or a free-text
    ``q`` over names, identity addresses, order numbers and given details."""
    ids: list[int] = []
    if phone:
        try:
            ids += await _by_identity(session, PHONE, normalize_phone(phone, region))
        except InvalidAddress:
            pass
    if email:
        try:
            ids += await _by_identity(session, EMAIL, normalize_email(email))
        except InvalidAddress:
            pass
    if q:
        ids += await _free_text(session, q.strip(), region, limit)
    if not ids:
        return []
    unique = list(dict.fromkeys(ids))[:limit]
    result = await session.execute(
        select(Customer, Thread)
        .outerjoin(Thread, Thread.customer_id == Customer.id)
        .where(Customer.id.in_(unique), Customer.merged_into_id.is_(None))
    )
    found = {c.id: (c, t) for c, t in result.all()}
    return [found[i] for i in unique if i in found]


async def _by_identity(session: AsyncSession, kind: str, address: str) -> list[int]:
    result = await session.execute(
        select(Identity.customer_id).where(Identity.kind == kind, Identity.address == address)
    )
    return list(result.scalars())


async def _free_text(session: AsyncSession, q: str, region: str, limit: int) -> list[int]:
    if not q:
        return []
    ids: list[int] = []
    try:
        ids += await _by_identity(session, PHONE, normalize_phone(q, region))
    except InvalidAddress:
        pass
    pattern = f"%{escape_like(q.lower())}%"
    queries = [
        select(Customer.id).where(Customer.name.ilike(pattern, escape="\\")),
        select(Identity.customer_id).where(Identity.address.ilike(pattern, escape="\\")),
        select(Order.customer_id).where(
            or_(Order.number == q, Order.external_id == q), Order.customer_id.is_not(None)
        ),
        select(Detail.customer_id).where(
            Detail.key.in_(("order_number", "email", "phone")), Detail.value == q
        ),
    ]
    for query in queries:
        ids += [i for i in (await session.execute(query.limit(limit))).scalars() if i is not None]
    return ids


def escape_like(text: str) -> str:
    """``text`` as a literal inside a LIKE pattern (with ``escape="\\"``)."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


@dataclass
class CustomerCard:
    customer: Customer
    thread: Thread | None
    identities: list[Identity]
    details: list[Detail]
    orders: list[Order]
    recent_messages: list[Event] = field(default_factory=list)
    suggested_matches: list[Customer] = field(default_factory=list)


async def customer_card(
    session: AsyncSession, customer: Customer, *, recent: int = 10
) -> CustomerCard:
    """Identities, details, orders (newest first), the last ``recent`` messages from any
    channel and suggested matches: what whoever picks up next should see."""
    identities = list(
        (
            await session.execute(
                select(Identity).where(Identity.customer_id == customer.id).order_by(Identity.id)
            )
        ).scalars()
    )
    details = list(
        (
            await session.execute(
                select(Detail).where(Detail.customer_id == customer.id).order_by(Detail.id)
            )
        ).scalars()
    )
    orders = list(
        (
            await session.execute(
                select(Order)
                .where(Order.customer_id == customer.id)
                .order_by(Order.placed_at.desc(), Order.id.desc())
            )
        ).scalars()
    )
    thread = (
        await session.execute(select(Thread).where(Thread.customer_id == customer.id))
    ).scalar_one_or_none()
    messages = list(
        (
            await session.execute(
                select(Event)
                .where(Event.customer_id == customer.id, Event.type == MESSAGE)
                .order_by(Event.id.desc())
                .limit(recent)
            )
        ).scalars()
    )
    matches = await suggested_matches(session, customer.id, identities, details)
    return CustomerCard(customer, thread, identities, details, orders, messages, matches)


async def suggested_matches(
    session: AsyncSession,
    customer_id: int,
    identities: list[Identity],
    details: list[Detail],
) -> list[Customer]:
    """Other customers who may be the same person: a phone or email this customer
    *typed* (a detail or asserted identity) is held by someone else, or vice versa."""
    wanted: set[tuple[str, str]] = set()
    for detail in details:
        if detail.key in (PHONE, EMAIL):
            wanted.add((detail.key, detail.value))
    for identity in identities:
        if identity.kind in (PHONE, EMAIL):
            wanted.add((identity.kind, identity.address))
    if not wanted:
        return []
    params: dict[str, object] = {"customer_id": customer_id}
    pairs = 0
    for kind, value in wanted:
        try:
            address = normalize_phone(value) if kind == PHONE else normalize_email(value)
        except InvalidAddress:
            continue
        params.update(
            {f"kind{pairs}": kind, f"address{pairs}": address, f"typed{pairs}": [value, address]}
        )
        pairs += 1
    if not pairs:
        return []
    result = await session.execute(_matches_query(pairs), params)
    return list(result.scalars())


@lru_cache(maxsize=16)
def _matches_query(pairs: int) -> Select[Customer]:
    """``suggested_matches``' statement for ``pairs`` addresses, built once with bound
    parameters (building it cost more than running it). One round trip: the candidates'
    ids in a subquery (holding address ``n`` as an identity, or having typed it as a
    detail in its stored or its normalised form), the live customers around it."""
    identity_matches = []
    typed_details = []
    for n in range(pairs):
        kind = bindparam(f"kind{n}", type_=String)
        identity_matches.append(
            and_(Identity.kind == kind, Identity.address == bindparam(f"address{n}", type_=String))
        )
        # One SELECT per address, not an OR: SQLite seeks the claims index by key and
        # value only that way.
        typed_details.append(
            select(Detail.customer_id).where(
                CLAIMS,
                Detail.key == kind,
                Detail.value.in_(bindparam(f"typed{n}", expanding=True)),
            )
        )
    candidates = union_all(
        select(Identity.customer_id).where(or_(*identity_matches)), *typed_details
    )
    return (
        select(Customer)
        .where(
            Customer.id.in_(candidates),
            Customer.id != bindparam("customer_id", type_=Integer),
            Customer.merged_into_id.is_(None),
        )
        .order_by(Customer.id)
    )


def shared_identity_customers(
    customer_id: int | ColumnElement[int],
) -> CompoundSelect[tuple[int]]:
    """Ids (with repeats) of customers holding, as an identity or as a typed detail, one
    of ``customer_id``'s own phone or email identities, as SQL to fold into a larger
    query (``customer_id`` may be a bound parameter). Together with ``matches_need_lookup``
    being False, this gives exactly the candidates of ``suggested_matches`` (the customer
    among them)."""
    own = aliased(Identity)
    other = aliased(Identity)
    mine = (own.customer_id == customer_id, own.kind.in_((PHONE, EMAIL)))
    return union_all(
        select(other.customer_id)
        .join(own, and_(own.kind == other.kind, own.address == other.address))
        .where(*mine),
        select(Detail.customer_id).where(
            CLAIMS,
            tuple_(Detail.key, Detail.value).in_(select(own.kind, own.address).where(*mine)),
        ),
    )


def matches_need_lookup(identities: list[Identity], details: list[Detail]) -> bool:
    """Whether ``suggested_matches`` must run rather than ``shared_identity_customers``:
    the customer typed a phone or email detail (normalised in Python), or one of their
    phone or email identities is not stored in its normalised form."""
    if any(detail.key in (PHONE, EMAIL) for detail in details):
        return True
    for identity in identities:
        if identity.kind not in (PHONE, EMAIL):
            continue
        try:
            if identity.kind == PHONE:
                normalized = normalize_phone(identity.address)
            else:
                normalized = normalize_email(identity.address)
        except InvalidAddress:
            return True
        if normalized != identity.address:
            return True
    return False
