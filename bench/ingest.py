"""Ingest and timeline-read benchmark, on SQLite and PostgreSQL.

1. Inbound messages per second through the core action (``receive_inbound`` in its
   own ``hub.uow()``, one transaction per message, as a webhook does) next to a bare
   baseline in the same run: a plain INSERT of the same ``events`` row through the
   same engine, one transaction per message. The two alternate in rounds so load on
   the machine hits both alike. Target: action / baseline >= 0.5.
   Also ``hub.ingest`` — the entry point connectors use — with ``CONCURRENCY``
   messages in flight, as concurrent webhooks arrive: group commit shares one
   transaction between them, each still returned only after its commit.
2. Timeline page reads (50 events, newest first, and a page deep in the history)
   for a customer with 100 events vs one with 100,000. Target: ratio within ±20 %.

PostgreSQL: ``HUB_BENCH_DATABASE_URL`` (default the local test server); a scratch
database is created and dropped. SQLite: a scratch file in a temporary directory.
Run with ``python -m bench.ingest [--messages N] [--engines sqlite,postgresql]``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
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

from sqlalchemy import insert, text
from sqlalchemy.engine import make_url

from bench import _report
from hub.actions.customers import create_customer
from hub.actions.inbound import receive_inbound
from hub.core import Hub
from hub.db import utcnow
from hub.ingest import IngestBatcher
from hub.migrate import upgrade_async
from hub.models import Event
from hub.queries.timeline import timeline_page
from hub.settings import Settings
from hub.types import Inbound

DEFAULT_PG = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
BODY = "Hi, is my order W-10421 ready for pickup at the Downtown store?"
ROUNDS = 4
SENDERS = 100
READS = 300
CONCURRENCY = 50
SMALL, BIG = 100, 100_000


@dataclass
class Result:
    engine: str
    action_rate: float
    baseline_rate: float
    small_ms: float
    big_ms: float
    big_deep_ms: float
    grouped_rate: float = 0.0

    @property
    def grouped_ratio(self) -> float:
        return self.grouped_rate / self.baseline_rate

    @property
    def ingest_ratio(self) -> float:
        return self.action_rate / self.baseline_rate

    @property
    def read_ratio(self) -> float:
        """Page time at 100k over 100 events, for whichever 100k page strays further."""
        ratios = (self.big_ms / self.small_ms, self.big_deep_ms / self.small_ms)
        return max(ratios, key=lambda r: abs(r - 1))


@asynccontextmanager
async def scratch_sqlite() -> AsyncIterator[str]:
    with tempfile.TemporaryDirectory(prefix="hub-bench-") as tmp:
        yield f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"


@asynccontextmanager
async def scratch_postgres(base_url: str) -> AsyncIterator[str]:
    import asyncpg

    base = make_url(base_url)
    dsn = base.set(drivername="postgresql").render_as_string(hide_password=False)
    name = f"hub_bench_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = await asyncpg.connect(dsn)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        admin = await asyncpg.connect(dsn)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()


def inbound(i: int, run: str) -> Inbound:
    """Message ``i``: from one of ``SENDERS`` numbers, so some create a customer."""
    return Inbound(
        channel="sms",
        kind="phone",
        address=f"+1415555{i % SENDERS:04d}",
        body=BODY,
        provider_id=f"SM{run}{i:08d}",
    )


async def ingest_through_action(hub: Hub, start: int, count: int, run: str) -> float:
    began = time.perf_counter()
    for i in range(start, start + count):
        async with hub.uow() as uow:
            await receive_inbound(uow, inbound(i, run))
    return time.perf_counter() - began


async def ingest_grouped(hub: Hub, start: int, count: int, run: str) -> float:
    """Group commit (``IngestBatcher``, what ``HubPort.ingest`` runs) with
    ``CONCURRENCY`` messages in flight at any time."""
    gate = asyncio.Semaphore(CONCURRENCY)
    batcher = IngestBatcher(hub)

    async def one(i: int) -> None:
        async with gate:
            await batcher.submit(inbound(i, run))

    began = time.perf_counter()
    await asyncio.gather(*(one(i) for i in range(start, start + count)))
    return time.perf_counter() - began


async def ingest_baseline(
    hub: Hub, customer_id: int, thread_id: int, start: int, count: int, run: str
) -> float:
    statement = insert(Event)
    began = time.perf_counter()
    for i in range(start, start + count):
        now = utcnow()
        async with hub.engine.begin() as conn:
            await conn.execute(
                statement,
                {
                    "customer_id": customer_id,
                    "thread_id": thread_id,
                    "type": "message",
                    "channel": "sms",
                    "direction": "in",
                    "body": BODY,
                    "provider_id": f"SMbase{run}{i:08d}",
                    "data": {},
                    "created_at": now,
                    "updated_at": now,
                },
            )
    return time.perf_counter() - began


async def new_customer(hub: Hub) -> tuple[int, int]:
    async with hub.uow() as uow:
        customer, thread = await create_customer(uow, "Bench Customer")
        return customer.id, thread.id


async def measure_ingest(hub: Hub, messages: int) -> tuple[float, float, float]:
    """(action msg/s, baseline msg/s, grouped msg/s), alternating rounds after a warm-up."""
    customer_id, thread_id = await new_customer(hub)
    await ingest_through_action(hub, 0, 50, "warm")
    await ingest_baseline(hub, customer_id, thread_id, 0, 50, "warm")
    await ingest_grouped(hub, 0, 50, "warmg")
    per_round = max(1, messages // ROUNDS)
    action = baseline = grouped = 0.0
    for r in range(ROUNDS):
        action += await ingest_through_action(hub, r * per_round, per_round, "run")
        baseline += await ingest_baseline(
            hub, customer_id, thread_id, r * per_round, per_round, "run"
        )
        grouped += await ingest_grouped(hub, r * per_round, per_round, "grp")
    total = per_round * ROUNDS
    return total / action, total / baseline, total / grouped


async def fill_events(hub: Hub, customer_id: int, thread_id: int, count: int) -> None:
    """Bulk-load ``count`` events (setup, not measured), oldest first."""
    start = utcnow() - timedelta(days=365)
    chunk = 5000
    for offset in range(0, count, chunk):
        rows: list[dict[str, Any]] = []
        for i in range(offset, min(count, offset + chunk)):
            at = start + timedelta(seconds=i * 30)
            rows.append(
                {
                    "customer_id": customer_id,
                    "thread_id": thread_id,
                    "type": "message",
                    "channel": "sms",
                    "direction": "in" if i % 2 else "out",
                    "body": BODY,
                    "provider_id": f"SMfill{customer_id}-{i}",
                    "data": {},
                    "created_at": at,
                    "updated_at": at,
                }
            )
        async with hub.engine.begin() as conn:
            await conn.execute(insert(Event), rows)


async def read_once(hub: Hub, customer_id: int, before: int | None) -> float:
    """Milliseconds to read one page of 50 in a fresh session."""
    began = time.perf_counter()
    async with hub.read() as session:
        events, _ = await timeline_page(session, customer_id, limit=50, before=before)
    assert len(events) == 50
    return (time.perf_counter() - began) * 1000


async def read_medians(hub: Hub, cases: list[tuple[int, int | None]]) -> list[float]:
    """Median read time per case; the cases take turns so machine load hits all alike."""
    samples: list[list[float]] = [[] for _ in cases]
    for _ in range(READS):
        for i, (customer_id, before) in enumerate(cases):
            samples[i].append(await read_once(hub, customer_id, before))
    return [statistics.median(s) for s in samples]


async def measure_reads(hub: Hub) -> tuple[float, float, float]:
    small_id, small_thread = await new_customer(hub)
    big_id, big_thread = await new_customer(hub)
    await fill_events(hub, small_id, small_thread, SMALL)
    await fill_events(hub, big_id, big_thread, BIG)
    async with hub.engine.begin() as conn:
        await conn.execute(text("ANALYZE"))
    async with hub.read() as session:
        middle = (
            await session.execute(
                text("SELECT id FROM events WHERE customer_id = :c ORDER BY id LIMIT 1 OFFSET :o"),
                {"c": big_id, "o": BIG // 2},
            )
        ).scalar_one()
    cases: list[tuple[int, int | None]] = [(small_id, None), (big_id, None), (big_id, middle)]
    await read_medians(hub, cases)  # warm-up
    small, big, big_deep = await read_medians(hub, cases)
    return small, big, big_deep


async def run_engine(engine: str, url: str, messages: int) -> Result:
    await upgrade_async(url)
    hub = Hub(Settings(database_url=url, secret_key="bench", var_dir=Path(tempfile.gettempdir())))
    try:
        action, baseline, grouped = await measure_ingest(hub, messages)
        small, big, big_deep = await measure_reads(hub)
    finally:
        await hub.dispose()
    return Result(engine, action, baseline, small, big, big_deep, grouped)


def print_table(results: list[Result]) -> None:
    print()
    print(
        f"{'engine':<11} {'baseline msg/s':>14} {'action msg/s':>12} {'ratio':>6} "
        f"{'hub.ingest msg/s':>16} {'ratio':>6}   "
        f"{'page@100':>9} {'page@100k':>10} {'deep@100k':>10} {'ratio':>6}"
    )
    for r in results:
        print(
            f"{r.engine:<11} {r.baseline_rate:>14.0f} {r.action_rate:>12.0f} "
            f"{r.ingest_ratio:>6.2f} {r.grouped_rate:>16.0f} {r.grouped_ratio:>6.2f}   "
            f"{r.small_ms:>7.2f}ms {r.big_ms:>8.2f}ms "
            f"{r.big_deep_ms:>8.2f}ms {r.read_ratio:>6.2f}"
        )
    print()
    for r in results:
        _report.record(f"ingest {r.engine} hub.ingest/bare INSERT", r.grouped_ratio, 0.5)
        _report.record(
            f"ingest {r.engine} timeline 100k/100, off 1 by", abs(r.read_ratio - 1), 0.2, False
        )
        ingest_ok = "meets" if r.grouped_ratio >= 0.5 else "BELOW"
        read_ok = "flat" if 0.8 <= r.read_ratio <= 1.2 else "NOT FLAT"
        print(
            f"{r.engine}: one message per transaction {r.ingest_ratio:.2f} of baseline; "
            f"hub.ingest with {CONCURRENCY} in flight {r.grouped_ratio:.2f} "
            f"({ingest_ok} target 0.5); "
            f"timeline 100k/100 = {r.read_ratio:.2f} ({read_ok}, target 1 ± 0.2)"
        )


async def amain(messages: int, engines: list[str]) -> int:
    results: list[Result] = []
    for engine in engines:
        if engine == "sqlite":
            async with scratch_sqlite() as url:
                results.append(await run_engine(engine, url, messages))
        elif engine == "postgresql":
            base = os.environ.get("HUB_BENCH_DATABASE_URL", DEFAULT_PG)
            try:
                async with scratch_postgres(base) as url:
                    results.append(await run_engine(engine, url, messages))
            except OSError as exc:
                print(f"postgresql: skipped, cannot connect to {base}: {exc}")
        else:
            raise SystemExit(f"unknown engine {engine!r}")
        print(f"{engine}: done", flush=True)
    print_table(results)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.ingest", description=__doc__)
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--engines", default="sqlite,postgresql")
    args = parser.parse_args(argv if argv is not None else [])
    return asyncio.run(amain(args.messages, args.engines.split(",")))


if __name__ == "__main__":
    import sys

    sys.exit(main(sys.argv[1:]))
