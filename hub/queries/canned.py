"""Canned-response reads: the reply box's "/" search and the placeholder values for a
customer (rendered by ``hub.rules.canned.render_template``)."""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.models import Agent, CannedResponse, Customer, Identity, Order
from hub.models.customer import EMAIL, PHONE
from hub.queries.customers import escape_like
from hub.rules.canned import Context


async def template_context(
    session: AsyncSession, customer_id: int | None, agent_id: int | None = None
) -> Context:
    """The placeholder values for a customer (latest order) and the replying agent."""
    context: Context = {"customer": {}, "order": {}, "agent": {}}
    if customer_id is not None:
        customer = await session.get(Customer, customer_id)
        if customer is not None:
            context["customer"]["name"] = customer.name or ""
            context["customer"]["first_name"] = customer.first_name or ""
            identities = await session.execute(
                select(Identity.kind, Identity.address)
                .where(Identity.customer_id == customer.id, Identity.kind.in_((EMAIL, PHONE)))
                .order_by(Identity.id)
            )
            for kind, address in identities:
                context["customer"].setdefault(kind, address)
            order = (
                await session.execute(
                    select(Order)
                    .where(Order.customer_id == customer.id)
                    .order_by(Order.placed_at.desc(), Order.id.desc())
                    .limit(1)
                )
            ).scalar_one_or_none()
            if order is not None:
                context["order"] = {
                    "number": order.number or "",
                    "status": order.status,
                    "total": f"{order.total_cents / 100:.2f} {order.currency}",
                    "pickup_location": order.pickup_location or "",
                }
    if agent_id is not None:
        agent = await session.get(Agent, agent_id)
        if agent is not None:
            context["agent"] = {"name": agent.name, "first_name": agent.name.split()[0]}
    return context


async def search_canned(
    session: AsyncSession, query: str, *, limit: int = 10
) -> list[CannedResponse]:
    """Canned responses whose shortcut or title contains ``query`` (the text after "/"),
    shortcut prefix matches first; all of them (alphabetically) for an empty query."""
    query = query.strip().lstrip("/").lower()
    statement = select(CannedResponse)
    if query:
        like = f"%{escape_like(query)}%"
        statement = statement.where(
            or_(
                CannedResponse.shortcut.ilike(like, escape="\\"),
                CannedResponse.title.ilike(like, escape="\\"),
            )
        )
    rows = list((await session.execute(statement.order_by(CannedResponse.shortcut))).scalars())
    rows.sort(key=lambda r: (not r.shortcut.lower().startswith(query), r.shortcut))
    return rows[:limit]
