"""Suggested matches with their reasons: who else this customer may be, and why.

A suggestion is never a link. It says which address two records share and how each
got it ("typed +14155564601 in webchat 10 min ago", "called from +14155564601 2 min
ago"), carries the other customer's details and last messages so the agent can greet a
caller with their chat's story, and the agent links them with one click (an audited,
reversible merge). ``recent_claims`` is the time-boxed look-up behind the IVR's and the
SMS auto-reply's "were you just chatting with us?" (``HUB_CLAIM_MATCH_HOURS``), and
``recent_chats_without_phone`` the weak hints for a caller nobody claimed, and
``keyed_order_matches`` what an order number keyed in on the phone points to.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.db import utcnow
from hub.identity import InvalidAddress, normalize
from hub.models import Customer, Detail, Event, Identity, Order
from hub.models.customer import FROM_TEXT, PHONE, TYPED_KINDS, USER, VISITOR
from hub.models.thread import IN, MESSAGE
from hub.serializers import detail_dict, event_dict, iso

SUGGESTION_MESSAGES = 5
HINT_WINDOW = timedelta(minutes=15)
MAX_HINTS = 5
MIN_ORDER_DIGITS = 4
ORDER_NUMBER = "order_number"
WIDGET_KINDS = (VISITOR, USER)
_VERBS = {"phone": "called from", "sms": "texted from", "whatsapp": "wrote on WhatsApp from"}


@dataclass
class Suggestion:
    """Another customer who may be this one: the shared ``key``/``value``, a sentence
    for the agent (``reason``), when the other side gave it (``at``), and, for the
    pop, their details and last messages. ``weak``: only a hint (a recent web chat
    that left no phone), not a shared address."""

    customer: Customer
    reason: str
    key: str | None = None
    value: str | None = None
    at: datetime | None = None
    weak: bool = False
    details: list[Detail] = field(default_factory=list)
    messages: list[Event] = field(default_factory=list)

    @property
    def id(self) -> int:
        return self.customer.id

    @property
    def name(self) -> str | None:
        return self.customer.name

    def as_dict(self) -> dict[str, Any]:
        return {
            "customer_id": self.customer.id,
            "name": self.customer.name,
            "reason": self.reason,
            "key": self.key,
            "value": self.value,
            "at": iso(self.at) if self.at else None,
            "weak": self.weak,
            "details": [detail_dict(d) for d in self.details],
            "messages": [event_dict(m) for m in self.messages],
        }


def ago(at: datetime | None, now: datetime | None = None) -> str:
    """ "just now", "10 min ago", "3 h ago" or "on 2026-11-02"."""
    if at is None:
        return "some time ago"
    seconds = ((now or utcnow()) - at).total_seconds()
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{int(seconds // 60)} min ago"
    if seconds < 48 * 3600:
        return f"{int(seconds // 3600)} h ago"
    return f"on {at:%Y-%m-%d}"


def _typed(detail: Detail, now: datetime) -> str:
    how = "wrote" if detail.origin == FROM_TEXT else "typed"
    return f"{how} {detail.value} in {detail.channel} {ago(detail.created_at, now)}"


async def explain_matches(
    session: AsyncSession,
    customer_id: int,
    identities: list[Identity],
    details: list[Detail],
    matches: list[Customer],
) -> list[Suggestion]:
    """A ``Suggestion`` for each of ``matches`` (``hub.queries.customers
    .suggested_matches``), with the reason they match and their last messages."""
    if not matches:
        return []
    now = utcnow()
    ids = [m.id for m in matches]
    mine = {(i.kind, i.address) for i in identities if i.kind in TYPED_KINDS}
    typed = {(d.key, d.value): d for d in details if d.key in TYPED_KINDS}
    wanted = mine | set(typed)
    reasons: dict[int, Suggestion] = {}
    if wanted:
        theirs = await session.execute(
            select(Detail)
            .where(
                Detail.customer_id.in_(ids),
                or_(*(and_(Detail.key == k, Detail.value == v) for k, v in wanted)),
            )
            .order_by(Detail.created_at.desc())
        )
        by_id = {m.id: m for m in matches}
        for detail in theirs.scalars():
            if detail.customer_id in reasons:
                continue
            pair = (detail.key, detail.value)
            reason = f"They {_typed(detail, now)}"
            if pair in typed:
                reason += f"; this customer {_typed(typed[pair], now)}"
            else:
                reason += " (this customer's proven address)"
            reasons[detail.customer_id] = Suggestion(
                by_id[detail.customer_id], reason, detail.key, detail.value, detail.created_at
            )
        missing = [m for m in matches if m.id not in reasons]
        if missing and typed:
            for suggestion in await _holders(session, [m.id for m in missing], typed, now):
                reasons[suggestion.customer.id] = suggestion
    found = [
        reasons.get(m.id) or Suggestion(m, "Shares an address with this customer") for m in matches
    ]
    await _with_context(session, found)
    return found


async def _holders(
    session: AsyncSession, ids: list[int], typed: dict[tuple[str, str], Detail], now: datetime
) -> list[Suggestion]:
    """Customers among ``ids`` who proved an address this customer only typed."""
    held = await session.execute(
        select(Identity, Customer)
        .join(Customer, Customer.id == Identity.customer_id)
        .where(
            Identity.customer_id.in_(ids),
            or_(*(and_(Identity.kind == k, Identity.address == v) for k, v in typed)),
        )
    )
    found = []
    for identity, customer in held.all():
        last = (
            await session.execute(
                select(Event.channel, Event.created_at)
                .where(Event.identity_id == identity.id, Event.direction == IN)
                .order_by(Event.id.desc())
                .limit(1)
            )
        ).first()
        verb = _VERBS.get(last.channel, "wrote from") if last else "proved"
        at = last.created_at if last else identity.last_seen_at
        detail = typed[(identity.kind, identity.address)]
        reason = (
            f"They {verb} {identity.address} {ago(at, now)}; this customer {_typed(detail, now)}"
        )
        found.append(Suggestion(customer, reason, identity.kind, identity.address, at))
    return found


async def recent_claims(
    session: AsyncSession,
    kind: str,
    address: str,
    *,
    hours: int,
    exclude_customer_id: int | None = None,
) -> list[Suggestion]:
    """Live customers who gave ``(kind, address)`` (typed or wrote it) in the last
    ``hours`` hours, newest first, with their details and last messages: a caller or
    first text from that address may be them (a suggestion; only their proof links)."""
    now = utcnow()
    found = await session.execute(
        select(Detail, Customer)
        .join(Customer, Customer.id == Detail.customer_id)
        .where(
            Detail.key == kind,
            Detail.value == address,
            Detail.created_at >= now - timedelta(hours=hours),
            Customer.merged_into_id.is_(None),
            Customer.erased_at.is_(None),
        )
        .order_by(Detail.created_at.desc(), Detail.id.desc())
    )
    suggestions: dict[int, Suggestion] = {}
    for detail, customer in found.all():
        if customer.id == exclude_customer_id or customer.id in suggestions:
            continue
        reason = f"They {_typed(detail, now)}"
        suggestions[customer.id] = Suggestion(customer, reason, kind, address, detail.created_at)
    result = list(suggestions.values())
    await _with_context(session, result)
    return result


async def claims_on(
    session: AsyncSession, kind: str, address: str, *, region: str, hours: int
) -> list[Suggestion]:
    """``recent_claims`` on ``(kind, address)`` as a caller gave it (normalised in
    ``region``; an address that is no valid one, or a kind nobody types, has none)."""
    if kind not in TYPED_KINDS:
        return []
    try:
        address = normalize(kind, address, region)
    except InvalidAddress:
        return []
    return await recent_claims(session, kind, address, hours=hours)


async def claimed_by_others(session: AsyncSession, identity_id: int, *, hours: int) -> bool:
    """Whether any live customer gave identity ``identity_id``'s address in the last
    ``hours`` hours: False means ``recent_claims`` finds nobody for its first text (one
    cheap query, without the suggestions' context)."""
    found = await session.execute(
        select(Detail.id)
        .join(Identity, and_(Identity.kind == Detail.key, Identity.address == Detail.value))
        .join(Customer, Customer.id == Detail.customer_id)
        .where(
            Identity.id == identity_id,
            Detail.created_at >= utcnow() - timedelta(hours=hours),
            Customer.merged_into_id.is_(None),
            Customer.erased_at.is_(None),
        )
        .limit(1)
    )
    return found.first() is not None


async def keyed_order_matches(
    session: AsyncSession, digits: str, *, hours: int, exclude_customer_id: int | None = None
) -> list[Suggestion]:
    """Customers an order number keyed in on the phone (digits only) may point to: the
    owner of a known order whose number has those digits ("W-77123" for 77123), and
    whoever gave such an order number in a message or form in the last ``hours`` hours.
    Only suggestions: order numbers are guessable."""
    digits = "".join(ch for ch in digits if ch.isdigit())
    if len(digits) < MIN_ORDER_DIGITS:
        return []
    now = utcnow()
    found: dict[int, Suggestion] = {}
    orders = await session.execute(
        select(Order.number, Customer)
        .join(Customer, Customer.id == Order.customer_id)
        .where(Order.number.like(f"%{digits}"), Customer.merged_into_id.is_(None))
        .order_by(Order.placed_at.desc())
        .limit(MAX_HINTS * 4)
    )
    for number, customer in orders.all():
        if _digits(number) == digits and customer.id != exclude_customer_id:
            reason = f"The caller keyed in {digits}: their order {number}"
            found.setdefault(customer.id, Suggestion(customer, reason, ORDER_NUMBER, number))
    given = await session.execute(
        select(Detail, Customer)
        .join(Customer, Customer.id == Detail.customer_id)
        .where(
            Detail.key == ORDER_NUMBER,
            Detail.value.like(f"%{digits}"),
            Detail.created_at >= now - timedelta(hours=hours),
            Customer.merged_into_id.is_(None),
        )
        .order_by(Detail.created_at.desc())
        .limit(MAX_HINTS * 4)
    )
    for detail, customer in given.all():
        if _digits(detail.value) == digits and customer.id != exclude_customer_id:
            reason = f"The caller keyed in {digits}: they gave order {detail.value}"
            reason += f" in {detail.channel} {ago(detail.created_at, now)}"
            found.setdefault(
                customer.id,
                Suggestion(customer, reason, ORDER_NUMBER, detail.value, detail.created_at),
            )
    result = list(found.values())[:MAX_HINTS]
    await _with_context(session, result)
    return result


def _digits(text: str | None) -> str:
    return "".join(ch for ch in (text or "") if ch.isdigit())


async def recent_chats_without_phone(
    session: AsyncSession, *, exclude_customer_id: int | None = None
) -> list[Suggestion]:
    """Weak hints for a caller nobody claimed: customers who wrote through the chat
    widget (a visitor or widget-user identity) in the last 15 minutes and left no phone
    number at all."""
    now = utcnow()
    has_phone = or_(
        exists().where(Identity.customer_id == Customer.id, Identity.kind == PHONE),
        exists().where(Detail.customer_id == Customer.id, Detail.key == PHONE),
    )
    latest = (
        select(Event.customer_id, func.max(Event.created_at).label("at"))
        .join(Identity, Identity.id == Event.identity_id)
        .where(
            Identity.kind.in_(WIDGET_KINDS),
            Event.direction == IN,
            Event.type == MESSAGE,
            Event.created_at >= now - HINT_WINDOW,
        )
        .group_by(Event.customer_id)
        .subquery()
    )
    found = await session.execute(
        select(Customer, latest.c.at)
        .join(latest, latest.c.customer_id == Customer.id)
        .where(
            Customer.merged_into_id.is_(None),
            Customer.erased_at.is_(None),
            Customer.id != (exclude_customer_id or 0),
            ~has_phone,
        )
        .order_by(latest.c.at.desc())
        .limit(MAX_HINTS)
    )
    hints = [
        Suggestion(
            customer,
            f"Chatted on the website {ago(at, now)} and left no phone number",
            at=at,
            weak=True,
        )
        for customer, at in found.all()
    ]
    await _with_context(session, hints)
    return hints


async def _with_context(session: AsyncSession, suggestions: list[Suggestion]) -> None:
    """Fill in each suggestion's details and last messages (two queries per customer,
    for the handful a pop or panel shows)."""
    for suggestion in suggestions:
        cid = suggestion.customer.id
        details = await session.execute(
            select(Detail).where(Detail.customer_id == cid).order_by(Detail.id)
        )
        suggestion.details = list(details.scalars())
        messages = await session.execute(
            select(Event)
            .where(Event.customer_id == cid, Event.type == MESSAGE)
            .order_by(Event.id.desc())
            .limit(SUGGESTION_MESSAGES)
        )
        suggestion.messages = list(reversed(list(messages.scalars())))
