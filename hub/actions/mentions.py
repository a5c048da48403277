"""Recording the details customers write in their messages (``hub.rules.mentions``).

Every inbound message on every channel is scanned once, in the transaction that stores
it. Each phone number, email address and order number found becomes an *asserted*
detail of the writer (``origin`` ``text``, with the message as its source event): the
agent sees it in the panel and highlighted in the message, and can discard a wrong one.
A phone or email found this way is a claim like one typed into a form: it never links
customers by itself (``hub.queries.suggestions`` shows it as a suggested match).
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache

from sqlalchemy import Select, select

from hub.actions.audit import record_audit
from hub.actions.customers import Provenance, record_detail
from hub.core import UnitOfWork
from hub.db import in_list
from hub.errors import HubError, NotFound
from hub.models import Detail, Event, Order
from hub.models.customer import FROM_TEXT
from hub.rules.mentions import ORDER_NUMBER, Mention, find_mentions

# Detail keys an agent may discard from the panel (what the scanner records).
DISCARDABLE = frozenset({"phone", "email", ORDER_NUMBER})


async def record_mentions(
    uow: UnitOfWork, customer_id: int, event: Event, *, sender: tuple[str, str] | None = None
) -> list[Detail]:
    """Record what ``event``'s body mentions as details of ``customer_id``; returns them.

    ``sender`` (the normalised ``(kind, address)`` the message came from) is left out:
    texting "call me on this number" from that number adds nothing. An order-number
    candidate counts only when it is a known order's number or matches the shop's
    ``HUB_ORDER_NUMBER_PATTERN``."""
    mentions = scan(uow, event.body)
    if not mentions:
        return []
    known = await known_orders(uow, mentions)
    return await record_found(uow, customer_id, event, mentions, known, sender=sender)


def scan(uow: UnitOfWork, body: str | None) -> list[Mention]:
    """What ``body`` mentions (no query): ``hub.rules.mentions.find_mentions`` with the hub's
    region and order-number pattern."""
    settings = uow.settings
    return find_mentions(body, settings.default_region, settings.order_number_pattern)


async def record_found(
    uow: UnitOfWork,
    customer_id: int,
    event: Event,
    mentions: list[Mention],
    known: set[str],
    *,
    sender: tuple[str, str] | None = None,
) -> list[Detail]:
    """``record_mentions`` for mentions already scanned, the known order numbers among
    them already looked up (``known_orders``: one query for a whole batch of messages)."""
    details = []
    for mention in mentions:
        if (mention.key, mention.value) == sender:
            continue
        if mention.key == ORDER_NUMBER and not mention.certain and mention.value not in known:
            continue
        try:
            details.append(
                await record_detail(
                    uow,
                    customer_id,
                    mention.key,
                    mention.value,
                    Provenance.of(event),
                    origin=FROM_TEXT,
                )
            )
        except HubError:
            continue  # an odd value is skipped, the message is still stored
    return details


@cache
def _known(dialect: str) -> Select[str | None]:
    return select(Order.number).where(in_list(dialect, Order.number, "numbers"))


async def known_orders(uow: UnitOfWork, mentions: Iterable[Mention]) -> set[str]:
    """Which order-number candidates among ``mentions`` are known orders' numbers (one
    query, none when there is no candidate)."""
    wanted = {m.value for m in mentions if m.key == ORDER_NUMBER and not m.certain}
    if not wanted:
        return set()
    dialect = uow.hub.engine.dialect.name
    found = await uow.session.execute(_known(dialect), {"numbers": sorted(wanted)})
    return {number for number in found.scalars() if number}


async def discard_detail(uow: UnitOfWork, customer_id: int, detail_id: int, *, actor: str) -> None:
    """An agent says a detail is wrong (a misread number, someone else's email): it is
    deleted, and with it any suggested match it made. Audited as ``detail.discarded``
    with its key (never its value)."""
    detail = await uow.session.get(Detail, detail_id)
    if detail is None or detail.customer_id != customer_id:
        raise NotFound(f"detail {detail_id} not found")
    await record_audit(
        uow,
        actor,
        "detail.discarded",
        "customer",
        customer_id,
        {"detail_id": detail.id, "key": detail.key, "source_event_id": detail.source_event_id},
    )
    await uow.session.delete(detail)
    await uow.session.flush()
