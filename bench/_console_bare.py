"""The bare pages ``bench.console`` times the console against: plain Starlette, direct
ORM queries on the hub's own engine and session factory, minimal Jinja2 templates.

They show what an agent sees on the console's pages — the same rows and fields — and
nothing of the console's framework: no middleware, session or CSRF check, no layout,
forms or scripts.

- ``/customers/{id}`` (the thread page's content): the customer's name, their thread's
  status and assignee, the 50 newest events (channel, author, time, delivery status,
  body), identities, details, the 20 newest orders with their items and how many
  more there are, and the active agents (the transfer list). One direct query each.
  The console also shows CSAT scores, resolutions and suggested matches (empty for
  the benchmark's customer); the bare page does not even look them up, so it is, if
  anything, cheaper than a fair copy.
- ``/timeline/{id}``: the 50 newest events alone, the previous round's baseline
  (kept so the two rounds' figures can be compared).
- ``/``: the inbox's content: the open threads with the most recent activity (the
  console's ``INBOX_LIMIT`` of them), each with the customer's name, the channels they
  used, the last message, the waiting time, the unread count and the assignee.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import jinja2
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route

from hub.core import Hub
from hub.models import Agent, Customer, Detail, Event, Identity, Order, Thread
from hub.queries.inbox import INBOX_LIMIT

ROWS, ORDERS_SHOWN = 50, 20
INTERNAL = ("console", "api")

_ENV = jinja2.Environment(autoescape=True, trim_blocks=True, lstrip_blocks=True)
_ROW = """{% for e in events %}
<li class="event type-{{ e.type }} dir-{{ e.direction or 'none' }}" id="event-{{ e.id }}" \
data-event-id="{{ e.id }}" data-channel="{{ e.channel }}" data-direction="{{ e.direction or '' }}" \
data-created-at="{{ e.created_at.isoformat() }}" data-type="{{ e.type }}">
  <div class="meta"><span class="ch">{{ e.channel }}</span>
    <span class="who">{{ name if e.direction == "in" else (agents.get(e.agent_id) or "Agent") \
}}</span>
    <time datetime="{{ e.created_at.isoformat() }}">{{ e.created_at.strftime("%Y-%m-%d %H:%M") \
}}</time>
    {% if e.status %}<span class="delivery status-{{ e.status }}">{{ e.status }}</span>{% endif %}
  </div>
  {% if e.body %}<p class="body">{{ e.body }}</p>{% endif %}
</li>
{% endfor %}"""
TIMELINE = _ENV.from_string(
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>bare</title></head>'
    '<body><main><ol class="timeline">' + _ROW + "</ol></main></body></html>"
)
THREAD = _ENV.from_string(
    """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{{ name }}</title></head>
<body><main><h1>{{ name }}</h1><p>{{ thread.status }} · {{ assignee or "Unassigned" }}</p>
<ol class="timeline">"""
    + _ROW
    + """</ol>
<aside><h2>Identities</h2><ul>
{% for i in identities %}<li>{{ i.kind }} {{ i.address }} {{ i.verification }}</li>{% endfor %}
</ul><h2>Details</h2><dl>
{% for d in details %}<dt>{{ d.key }}</dt><dd>{{ d.value }} via {{ d.channel }}, \
{{ d.created_at.strftime("%Y-%m-%d %H:%M") }}</dd>{% endfor %}
</dl><h2>Orders</h2><ul>
{% for o in orders %}<li id="order-{{ o.id }}">#{{ o.number or o.external_id }} {{ o.source }} \
{{ o.store_code or "" }} {{ o.status }} {{ o.placed_at.strftime("%Y-%m-%d %H:%M") }} \
{{ "%.2f"|format(o.total_cents / 100) }} {{ o.currency }}
<ul>{% for item in o.items %}<li>{{ item.quantity }} × {{ item.name }}</li>{% endfor %}</ul></li>
{% endfor %}</ul>
{% if more %}<p>and {{ more }} older orders</p>{% endif %}
<h2>Agents</h2><ul>{% for id, agent in agents.items() %}<li>{{ agent }}</li>{% endfor %}</ul>
</aside></main></body></html>"""
)
INBOX = _ENV.from_string(
    """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Inbox</title></head>
<body><main><table><tbody>
{% for t, name, assignee in rows %}
<tr data-customer-id="{{ t.customer_id }}" class="status-{{ t.status }}">
  <th><a href="/customers/{{ t.customer_id }}">{{ name or ("Customer #" ~ t.customer_id) }}</a></th>
  <td>{% for ch in channels.get(t.customer_id, []) %}<span class="ch">{{ ch }}</span> \
{% endfor %}</td>
  <td>{{ t.last_message_preview or "" }}</td><td>{{ ago(t.waiting_since) }}</td>
  <td>{{ t.unread_count or "" }}</td><td>{{ assignee or "—" }}</td>
</tr>
{% endfor %}
</tbody></table></main></body></html>"""
)


def _ago(value: datetime | None) -> str:
    if value is None:
        return ""
    seconds = max(0, int((datetime.now(UTC) - value).total_seconds()))
    for size, unit in ((86400, "d"), (3600, "h"), (60, "m")):
        if seconds >= size:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


async def _newest_events(session: AsyncSession, customer_id: int) -> list[Event]:
    query = (
        select(Event).where(Event.customer_id == customer_id).order_by(Event.id.desc()).limit(ROWS)
    )
    return list(await session.scalars(query))


def bare_app(hub: Hub) -> Starlette:
    """The three bare pages on ``hub``'s engine."""

    async def thread_page(request: Request) -> HTMLResponse:
        customer_id = request.path_params["customer_id"]
        async with hub.read() as session:
            customer = await session.get(Customer, customer_id)
            assert customer is not None
            thread = await session.scalar(select(Thread).where(Thread.customer_id == customer_id))
            agents = dict(
                (await session.execute(select(Agent.id, Agent.name).where(Agent.is_active))).all()
            )
            values: dict[str, Any] = {
                "name": customer.name,
                "thread": thread,
                "assignee": agents.get(thread.assignee_id)
                if thread and thread.assignee_id
                else None,
                "agents": agents,
                "events": await _newest_events(session, customer_id),
                "identities": list(
                    await session.scalars(
                        select(Identity).where(Identity.customer_id == customer_id)
                    )
                ),
                "details": list(
                    await session.scalars(select(Detail).where(Detail.customer_id == customer_id))
                ),
                # Order.items loads with the orders (``lazy="selectin"``: one more query).
                "orders": list(
                    await session.scalars(
                        select(Order)
                        .where(Order.customer_id == customer_id)
                        .order_by(Order.placed_at.desc())
                        .limit(ORDERS_SHOWN)
                    )
                ),
            }
            total = await session.scalar(
                select(func.count()).select_from(Order).where(Order.customer_id == customer_id)
            )
            values["more"] = (total or 0) - len(values["orders"])
            values["events"].reverse()
            return HTMLResponse(THREAD.render(values))

    async def timeline_page(request: Request) -> HTMLResponse:
        async with hub.read() as session:
            events = await _newest_events(session, request.path_params["customer_id"])
            return HTMLResponse(TIMELINE.render(events=events, name="", agents={}))

    async def inbox_page(request: Request) -> HTMLResponse:
        async with hub.read() as session:
            rows = (
                await session.execute(
                    select(Thread, Customer.name, Agent.name)
                    .join(Customer, Customer.id == Thread.customer_id)
                    .outerjoin(Agent, Agent.id == Thread.assignee_id)
                    .where(Thread.status == "open", Customer.merged_into_id.is_(None))
                    .order_by(Thread.last_activity_at.desc(), Thread.id.desc())
                    .limit(INBOX_LIMIT)
                )
            ).all()
            channels: dict[int, list[str]] = {}
            used = await session.execute(
                select(Event.customer_id, Event.channel)
                .where(
                    Event.customer_id.in_([t.customer_id for t, _, _ in rows]),
                    Event.channel.notin_(INTERNAL),
                )
                .distinct()
                .order_by(Event.customer_id, Event.channel)
            )
            for customer_id, channel in used:
                channels.setdefault(customer_id, []).append(channel)
            return HTMLResponse(INBOX.render(rows=rows, channels=channels, ago=_ago))

    return Starlette(
        routes=[
            Route("/customers/{customer_id:int}", thread_page),
            Route("/timeline/{customer_id:int}", timeline_page),
            Route("/", inbox_page),
        ]
    )
