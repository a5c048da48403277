"""Console page benchmark: the thread page and the inbox vs bare Starlette pages.

One database per engine holds a customer with 10,000 timeline events (messages on
four channels, calls, notes), 200 orders and a few details, plus 10,000 other
customers with an open thread each (two channels, some assigned), a phone identity and
two details each. Timed server-side, in process (httpx's ASGI transport, no network),
signed in as an agent:

- ``GET /customers/{id}``, the console's thread page (session check, context panel,
  timeline of 50, reply box; full middleware stack), against a bare page that reads
  the same content with direct queries and renders it with a minimal template
  (``bench._console_bare``). Target: console / bare <= 1.5. Also printed: the ratio to
  a bare page of the 50 timeline rows alone (the earlier baseline).
- ``GET /``, the inbox of 10,000 open threads, against a bare page listing the same
  rows and fields. Target: console / bare <= 2.

The pages alternate in rounds so machine load hits each alike; the load average is
printed with the figures. Beside each ratio of wall-clock medians (the targets'
measure) stands the ratio of this process's CPU time per request (on SQLite all the
work, on PostgreSQL the Python side), which moves far less with a shared machine's load.
Run with ``python -m bench.console [--requests N]
[--engines sqlite,postgresql]``. PostgreSQL: ``HUB_BENCH_DATABASE_URL`` (default the
local test server); a scratch database is created and dropped.
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
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import insert, select, text
from sqlalchemy.engine import make_url

from bench import _report
from bench._console_bare import bare_app
from hub.actions.customers import create_customer
from hub.actions.staff import create_agent
from hub.app import create_app
from hub.core import Hub
from hub.db import utcnow
from hub.migrate import upgrade_async
from hub.models import Customer, Detail, Event, Identity, Order, OrderItem, Thread
from hub.settings import Settings

DEFAULT_PG = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
EVENTS, ORDERS, THREADS = 10_000, 200, 10_000
ROUNDS = 5
CHANNELS = ("webchat", "sms", "phone", "instore")
PASSWORD = "bench-password-1"
# Inbox customers get ids from here on (the database is new; nothing else inserts them).
FIRST_INBOX_ID = 1_000_000


@dataclass(frozen=True)
class Comparison:
    """A console page, the bare page it is measured against, and the target ratio."""

    name: str
    console: str
    bare: str
    target: float | None


@dataclass(frozen=True)
class Result:
    """Medians of wall-clock time (the target's measure) and of this process's CPU
    time per request (all its threads: on SQLite the queries' work too; on PostgreSQL
    only the Python side). CPU time hardly moves with the machine's load."""

    comparison: Comparison
    console_ms: float
    bare_ms: float
    console_cpu_ms: float
    bare_cpu_ms: float

    @property
    def ratio(self) -> float:
        return self.console_ms / self.bare_ms

    @property
    def cpu_ratio(self) -> float:
        return self.console_cpu_ms / self.bare_cpu_ms


async def seed(hub: Hub) -> int:
    """The big customer and the inbox's 10,000 threads; returns the big customer's id."""
    async with hub.uow() as uow:
        customer, thread = await create_customer(uow, "Maria Benchmark")
        agent = await create_agent(uow, "bench@example.com", "Bench", PASSWORD, role="admin")
        other = await create_agent(uow, "ann@example.com", "Ann", PASSWORD)
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
    details = [
        {"customer_id": customer.id, "key": key, "value": value, "channel": "webchat"}
        for key, value in (
            ("order_number", "W-00042"),
            ("email", "maria@example.com"),
            ("address", "12 Harbour Street, Springfield"),
        )
    ]
    async with hub.uow() as uow:
        await uow.session.execute(insert(Event), rows)
        await uow.session.execute(insert(Order), orders)
        await uow.session.execute(insert(Detail), details)
        ids = list((await uow.session.execute(select(Order.id))).scalars())
        items = [
            {"order_id": i, "name": name, "quantity": 1, "unit_price_cents": 2100}
            for i in ids
            for name in ("Blue kettle", "Tea sampler")
        ]
        await uow.session.execute(insert(OrderItem), items)
    await seed_inbox(hub, [agent.id, other.id])
    return customer.id


async def seed_inbox(hub: Hub, agent_ids: list[int]) -> None:
    """``THREADS`` customers with an open thread each, a message on two channels, a
    phone identity and two details (an order number, an email they typed): tables of a
    real size around the big customer, so a read that scans them shows."""
    now = utcnow()
    ids = range(FIRST_INBOX_ID, FIRST_INBOX_ID + THREADS)
    customers = [{"id": i, "name": f"Customer {i - FIRST_INBOX_ID}"} for i in ids]
    threads, events, identities, details = [], [], [], []
    for n, i in enumerate(ids):
        identities.append({"customer_id": i, "kind": "phone", "address": f"+1555{n:07d}"})
        details += [
            {"customer_id": i, "key": "order_number", "value": f"W-{n:05d}", "channel": "sms"},
            {"customer_id": i, "key": "email", "value": f"c{n}@example.com", "channel": "sms"},
        ]
        at = now - timedelta(minutes=n)
        threads.append(
            {
                "id": i,
                "customer_id": i,
                "status": "open",
                "assignee_id": agent_ids[n % 3] if n % 3 < len(agent_ids) else None,
                "last_channel": CHANNELS[n % 4],
                "last_activity_at": at,
                "last_message_preview": f"Hello, where is my order W-{n:05d}?",
                "waiting_since": at,
                "unread_count": n % 4,
            }
        )
        for k in range(2):
            events.append(
                {
                    "customer_id": i,
                    "thread_id": i,
                    "type": "message",
                    "channel": CHANNELS[(n + k) % 4],
                    "direction": "in",
                    "body": f"Hello, where is my order W-{n:05d}?",
                    "data": {},
                    "created_at": at,
                    "updated_at": at,
                }
            )
    async with hub.uow() as uow:
        await uow.session.execute(insert(Customer), customers)
        await uow.session.execute(insert(Thread), threads)
        await uow.session.execute(insert(Event), events)
        await uow.session.execute(insert(Identity), identities)
        await uow.session.execute(insert(Detail), details)
        if not hub.settings.is_sqlite:
            # PostgreSQL's autovacuum would gather these statistics within a minute of
            # such a load; without them its planner guesses a handful of rows. (The hub
            # never runs ANALYZE on SQLite, so the SQLite figures are without.)
            await uow.session.execute(text("ANALYZE"))


async def timed(client: httpx.AsyncClient, path: str, n: int) -> list[tuple[float, float]]:
    """``n`` requests' (wall-clock, process CPU) milliseconds."""
    samples = []
    for _ in range(n):
        started, cpu = time.perf_counter(), time.process_time()
        response = await client.get(path)
        elapsed = (time.perf_counter() - started) * 1000, (time.process_time() - cpu) * 1000
        samples.append(elapsed)
        assert response.status_code == 200, response.status_code
    return samples


def comparisons(customer_id: int) -> list[Comparison]:
    thread = f"/customers/{customer_id}"
    return [
        Comparison("thread page", thread, thread, 1.5),
        Comparison("thread page ÷ timeline-only bare", thread, f"/timeline/{customer_id}", None),
        Comparison(f"inbox, {THREADS:,} open threads", "/", "/", 2.0),
    ]


async def run(url: str, requests: int, tmp: Path) -> list[Result]:
    """The median milliseconds of each comparison's two pages over ``ROUNDS`` rounds;
    every round requests each page in turn (console, then bare)."""
    await upgrade_async(url)
    settings = Settings(database_url=url, secret_key="bench-" + "k" * 40, var_dir=tmp)
    app = create_app(settings, run_outbox=False)
    hub: Hub = app.state.hub  # type: ignore[attr-defined]
    starlette = app.starlette  # type: ignore[attr-defined]
    async with starlette.router.lifespan_context(starlette):
        wanted = comparisons(await seed(hub))
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
            clients = {"console": console, "bare": bare}
            pages = list(
                dict.fromkeys(
                    page for c in wanted for page in (("console", c.console), ("bare", c.bare))
                )
            )
            samples: dict[tuple[str, str], list[tuple[float, float]]] = {p: [] for p in pages}
            for side, path in pages:
                await timed(clients[side], path, 5)
            for _ in range(ROUNDS):
                for side, path in pages:
                    samples[side, path] += await timed(
                        clients[side], path, max(1, requests // ROUNDS)
                    )

    def median(page: tuple[str, str], which: int) -> float:
        return statistics.median(sample[which] for sample in samples[page])

    return [
        Result(
            c,
            median(("console", c.console), 0),
            median(("bare", c.bare), 0),
            median(("console", c.console), 1),
            median(("bare", c.bare), 1),
        )
        for c in wanted
    ]


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
    """Print one line per comparison and engine, each ratio beside its target (the
    verdict is in the line; the exit status is 0)."""
    for engine in engines:
        with tempfile.TemporaryDirectory() as tmp:
            before = _report.loadavg()
            try:
                async with database(engine, Path(tmp)) as url:
                    results = await run(url, requests, Path(tmp))
            except (OSError, ConnectionError) as exc:
                print(f"{engine}: skipped ({exc})")
                continue
        after = _report.loadavg()
        print(f"{engine}: median of {requests} requests a page; load average {before} -> {after}")
        for r in results:
            c = r.comparison
            if c.target is not None:
                _report.record(f"console {engine} {c.name}", r.ratio, c.target, False)
            verdict = (
                ""
                if c.target is None
                else f" (target <= {c.target:g}x) "
                + ("ok" if r.ratio <= c.target else "OVER TARGET")
            )
            print(
                f"  {c.name}: console {r.console_ms:.2f} ms, bare {r.bare_ms:.2f} ms, "
                f"ratio {r.ratio:.2f}x{verdict}; CPU {r.console_cpu_ms:.2f} vs "
                f"{r.bare_cpu_ms:.2f} ms, {r.cpu_ratio:.2f}x"
            )
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--engines", default="sqlite,postgresql")
    args = parser.parse_args(argv)
    status = asyncio.run(amain(args.engines.split(","), args.requests))
    if __name__ == "__main__":
        print()
        print(_report.summary())
    return status


if __name__ == "__main__":
    raise SystemExit(main())
