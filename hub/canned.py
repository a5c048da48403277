"""Canned responses: safe placeholder rendering and the reply box's "/" search.

A template is plain text with ``{{ noun.field }}`` placeholders from ``PLACEHOLDERS``
and nothing else: no filters, calls, tags or other expressions. That is checked on
the parsed template when it is saved (``validate_template`` raises ``Invalid``) and
again before every render. Rendering runs in Jinja2's immutable sandbox over plain
dicts of strings built by ``template_context`` — never model objects — so even a
template that slipped past validation cannot reach attributes (``__class__``...).
The result is plain text, not HTML: values are inserted verbatim and never
re-evaluated, and whoever displays it escapes it (the console's autoescape does).
A placeholder whose value is unknown for this customer renders empty.
"""

from __future__ import annotations

from collections.abc import Mapping

from jinja2 import TemplateSyntaxError, nodes
from jinja2.sandbox import ImmutableSandboxedEnvironment
from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.errors import Invalid
from hub.models import Agent, CannedResponse, Customer, Identity, Order
from hub.models.customer import EMAIL, PHONE

# Every placeholder a canned response may use, with what it stands for.
PLACEHOLDERS: dict[str, str] = {
    "customer.name": "the customer's full name",
    "customer.first_name": "the customer's first name",
    "customer.email": "the customer's email address",
    "customer.phone": "the customer's phone number",
    "order.number": "number of the customer's latest order",
    "order.status": "status of the customer's latest order",
    "order.total": "total of the customer's latest order, e.g. 12.50 USD",
    "order.pickup_location": "pickup location of the customer's latest order",
    "agent.name": "the replying agent's name",
    "agent.first_name": "the replying agent's first name",
}

Context = dict[str, dict[str, str]]

_env = ImmutableSandboxedEnvironment(autoescape=False, keep_trailing_newline=True)


def _placeholder_path(node: nodes.Node) -> str | None:
    """``customer.first_name`` for ``{{ customer.first_name }}``; None for anything else."""
    if isinstance(node, nodes.Getattr) and isinstance(node.node, nodes.Name):
        return f"{node.node.name}.{node.attr}"
    return None


def validate_template(body: str) -> list[str]:
    """Check ``body`` and return the placeholders it uses; ``Invalid`` names the problem."""
    try:
        tree = _env.parse(body)
    except TemplateSyntaxError as exc:
        raise Invalid(f"line {exc.lineno}: {exc.message}", code="invalid_template") from exc
    used: list[str] = []
    for statement in tree.body:
        if not isinstance(statement, nodes.Output):
            raise Invalid(
                "only {{ placeholders }} are allowed, no {% tags %}", code="invalid_template"
            )
        for part in statement.nodes:
            if isinstance(part, nodes.TemplateData):
                continue
            path = _placeholder_path(part)
            if path is None or path not in PLACEHOLDERS:
                shown = path or "that expression"
                raise Invalid(
                    f"unknown placeholder {shown}; use one of {', '.join(PLACEHOLDERS)}",
                    code="unknown_placeholder",
                )
            used.append(path)
    return used


def render_template(body: str, context: Mapping[str, Mapping[str, str]]) -> str:
    """Render a canned response to plain text with ``context``'s plain string values."""
    validate_template(body)
    values = {
        noun: {field: str(context.get(noun, {}).get(field) or "") for field in fields}
        for noun, fields in _fields_by_noun().items()
    }
    return _env.from_string(body).render(values)


def _fields_by_noun() -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for path in PLACEHOLDERS:
        noun, field = path.split(".", 1)
        grouped.setdefault(noun, []).append(field)
    return grouped


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
        like = f"%{_escape_like(query)}%"
        statement = statement.where(
            or_(
                CannedResponse.shortcut.ilike(like, escape="\\"),
                CannedResponse.title.ilike(like, escape="\\"),
            )
        )
    rows = list((await session.execute(statement.order_by(CannedResponse.shortcut))).scalars())
    rows.sort(key=lambda r: (not r.shortcut.lower().startswith(query), r.shortcut))
    return rows[:limit]


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
