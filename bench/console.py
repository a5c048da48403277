"""Thread page render benchmark: the console vs a bare Starlette page, same database.

A customer with 10,000 timeline events (messages on four channels, calls, notes,
purchases) and 200 orders. Timed server-side, in process (httpx's ASGI transport, no
network): ``GET /customers/{id}`` of the console (session check, context panel,
timeline of 50, reply box; full middleware stack) next to a bare Starlette app that
selects the same 50 newest events from the same database and renders them with a
Jinja2 template of comparable per-row markup (``BARE``). The two alternate in rounds
so machine load hits both alike. Target: console / bare <= 2.

Run with ``python -m bench.console [--requests N] [--engines sqlite,postgresql]``.
PostgreSQL: ``HUB_BENCH_DATABASE_URL`` (default the local test server); a scratch
database is created and dropped.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import statistics
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import jinja2
from sqlalchemy import insert, select
from sqlalchemy.engine import make_url
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route

from hub.actions.customers import create_customer
from hub.actions.staff import create_agent
from hub.app import create_app
from hub.core import Hub
from hub.db import utcnow
from hub.migrate import upgrade_async
from hub.models import Event, Identity, Order, OrderItem
from hub.settings import Settings

DEFAULT_PG = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
EVENTS, ORDERS, ROWS = 10_000, 200, 50
ROUNDS = 5
CHANNELS = ("webchat", "sms", "phone", "instore")
PASSWORD = "bench-password-1"

# The bare page renders each of the 50 rows with markup comparable to a console
# timeline row (the same attributes, channel, author, time and body; none of the
# page's forms, panel or reply box), so the ratio measures the console's own cost.
BARE = jinja2.Environment(autoescape=True).from_string(
    """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>bare</title></head>
<body><main><ol class="timeline">
{% for e in events %}
<li class="event type-{{ e.type }} dir-{{ e.direction or 'none' }}" id="event-{{ e.id }}" \
data-event-id="{{ e.id }}" data-channel="{{ e.channel }}" data-direction="{{ e.direction or '' }}" \
data-created-at="{{ e.created_at.isoformat() }}" data-type="{{ e.type }}">
  <div class="meta"><span class="ch" data-channel="{{ e.channel }}">{{ e.channel }}</span>
    <span class="who">{{ e.direction or e.type }}</span>
    <time datetime="{{ e.created_at.isoformat() }}">\
{{ e.created_at.strftime("%Y-%m-%d %H:%M") }}</time>
    {% if e.status %}<span class="delivery status-{{ e.status }}">{{ e.status }}</span>\
{% endif %}</div>
  {% if e.body %}<p class="body">{{ e.body }}</p>{% endif %}
</li>
{% endfor %}
</ol></main></body></html>"""
)


async def seed(hub: Hub) -> int:
    """The big customer; returns their id."""
    async with hub.uow() as uow:
        customer, thread = await create_customer(uow, "Maria Benchmark")
        await create_agent(uow, "bench@example.com", "Bench", PASSWORD, role="admin")
        uow.session.add(Identity(customer_id=customer.id, kind="visitor", address="bench-v"))
        uow.session.add(Identity(customer_id=customer.id, kind="phone", address="+15550109999"))
    start = utcnow() - timedelta(days=400)
    rows: list[dict[str, Any]] = []
    for n in range(EVENTS):
        kind = n % 20
        channel = CHANNELS[(n // 7) % 4]
        rows.append(
            {
                "customer_id": customer.id,
                "thread_id": thread.id,
                "type": "call" if kind == 5 else "note" if kind == 9 else "message",
                "channel": "console" if kind == 9 else channel,
                "direction": None if kind == 9 else ("in" if n % 2 else "out"),
                "body": f"Message {n}: is order W-{n:05d} ready for pickup downtown?",
                "status": "delivered" if n % 2 == 0 else None,
                "data": {"duration": 95} if kind == 5 else {},
                "created_at": start + timedelta(minutes=n * 50),
                "updated_at": start + timedelta(minutes=n * 50),
            }
        )
    orders: list[dict[str, Any]] = [
        {
            "external_id": f"bench-{n}",
            "customer_id": customer.id,
            "number": f"W-{n:05d}",
            "source": "store" if n % 3 == 0 else "online",
            "store_code": "NYC1" if n % 3 == 0 else None,
            "status": "delivered",
            "total_cents": 4200 + n,
            "placed_at": start + timedelta(days=n * 2),
            "data": {},
        }
        for n in range(ORDERS)
    ]
    async with hub.uow() as uow:
        await uow.session.execute(insert(Event), rows)
        await uow.session.execute(insert(Order), orders)
        ids = list((await uow.session.execute(select(Order.id))).scalars())
        items = [
            {"order_id": i, "name": name, "quantity": 1, "unit_price_cents": 2100}
            for i in ids
            for name in ("Blue kettle", "Tea sampler")
        ]
        await uow.session.execute(insert(OrderItem), items)
    return customer.id


def bare_app(hub: Hub) -> Starlette:
    async def page(request: Request) -> HTMLResponse:
        async with hub.read() as session:
            events = (
                await session.execute(
                    select(Event)
                    .where(Event.customer_id == request.path_params["customer_id"])
                    .order_by(Event.id.desc())
                    .limit(ROWS)
                )
            ).scalars()
            return HTMLResponse(BARE.render(events=list(events)))

    return Starlette(routes=[Route("/customers/{customer_id:int}", page)])


async def timed(client: httpx.AsyncClient, path: str, n: int) -> list[float]:
    samples = []
    for _ in range(n):
        started = time.perf_counter()
        response = await client.get(path)
        samples.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.status_code
    return samples


async def run(url: str, requests: int, tmp: Path) -> tuple[float, float]:
    await upgrade_async(url)
    settings = Settings(database_url=url, secret_key="bench-" + "k" * 40, var_dir=tmp)
    app = create_app(settings, run_outbox=False)
    hub: Hub = app.state.hub  # type: ignore[attr-defined]
    starlette = app.starlette  # type: ignore[attr-defined]
    async with starlette.router.lifespan_context(starlette):
        customer_id = await seed(hub)
        path = f"/customers/{customer_id}"
        base = "http://bench"
        async with (
            httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=base) as console,
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=bare_app(hub)), base_url=base
            ) as bare,
        ):
            login = await console.get("/login")
            token = re.search(r'name="csrf-token" content="([^"]+)"', login.text)
            assert token is not None
            await console.post(
                "/login",
                data={"email": "bench@example.com", "password": PASSWORD, "csrf": token[1]},
            )
            await timed(console, path, 5)
            await timed(bare, path, 5)
            console_ms: list[float] = []
            bare_ms: list[float] = []
            for _ in range(ROUNDS):
                console_ms += await timed(console, path, requests // ROUNDS)
                bare_ms += await timed(bare, path, requests // ROUNDS)
    return statistics.median(console_ms), statistics.median(bare_ms)


@asynccontextmanager
async def database(engine: str, tmp: Path) -> AsyncIterator[str]:
    if engine == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp}/bench-console.db"
        return
    import asyncpg

    base = make_url(os.environ.get("HUB_BENCH_DATABASE_URL", DEFAULT_PG))
    name = f"bench_console_{uuid.uuid4().hex[:8]}"
    dsn = base.set(drivername="postgresql").render_as_string(hide_password=False)
    conn = await asyncpg.connect(dsn)
    await conn.execute(f'CREATE DATABASE "{name}"')
    await conn.close()
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        conn = await asyncpg.connect(dsn)
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.close()


async def amain(engines: list[str], requests: int) -> int:
    """Print one line per engine; the verdict is in the line, the exit status is 0."""
    for engine in engines:
        with tempfile.TemporaryDirectory() as tmp:
            try:
                async with database(engine, Path(tmp)) as url:
                    console_ms, bare_ms = await run(url, requests, Path(tmp))
            except (OSError, ConnectionError) as exc:
                print(f"{engine}: skipped ({exc})")
                continue
        ratio = console_ms / bare_ms
        verdict = "ok" if ratio <= 2 else "OVER TARGET"
        print(
            f"{engine}: thread page {console_ms:.2f} ms vs bare {bare_ms:.2f} ms "
            f"(median of {requests}; {EVENTS} events, {ORDERS} orders) "
            f"ratio {ratio:.2f}x (target <= 2x) {verdict}"
        )
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--engines", default="sqlite,postgresql")
    args = parser.parse_args(argv)
    return asyncio.run(amain(args.engines.split(","), args.requests))


if __name__ == "__main__":
    raise SystemExit(main())
