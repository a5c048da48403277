"""CSV import benchmark: ``hub import`` of generated customers and orders files.

Generates a customers CSV (name, email, phone, loyalty id, one detail column) and an
orders CSV (one order per customer email, with an item list), each ``--rows`` rows
(default 100,000) with one bad row in 200, and imports them through
``hub.csv_import.import_csv`` on each engine into a scratch database. Prints rows/s and
the ratio to a bare baseline: parsing the same customers file and inserting one
``customers`` row per line in the same batch size with plain executemany INSERTs
(the import does far more per row: identities, thread, details, savepoints), so the
ratio shows the cost of going through the actions. Budget: each 100,000-row file
imports in under 100 s on SQLite (>= 1,000 rows/s) and every bad row is reported.

Run with ``python -m bench.imports [--rows N] [--engines sqlite,postgresql]``.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import os
import random
import tempfile
import time
from pathlib import Path

from sqlalchemy import insert

from bench import _report
from bench.ingest import DEFAULT_PG, scratch_postgres, scratch_sqlite
from hub.core import Hub
from hub.csv_import import ImportResult, import_csv
from hub.db import utcnow
from hub.migrate import upgrade_async
from hub.models import Customer
from hub.settings import Settings

BAD_EVERY = 200
BATCH = 500
BUDGET_ROWS_PER_SECOND = 1000.0
CITIES = ("Springfield", "Riverton", "Lakeside", "Hill Valley", "Oakdale")


def write_customers(path: Path, rows: int) -> None:
    rng = random.Random(7)
    with path.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["name", "email", "phone", "loyalty_id", "detail.city"])
        for i in range(rows):
            email = f"customer{i}@example.com" if i % BAD_EVERY != 1 else f"bad-email-{i}"
            writer.writerow(
                [
                    f"Customer {i}",
                    email,
                    f"+1202{5550000 + i:07d}"[:12],
                    f"L{i:07d}" if i % 3 == 0 else "",
                    rng.choice(CITIES),
                ]
            )


def write_orders(path: Path, rows: int) -> None:
    rng = random.Random(11)
    with path.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["external_id", "number", "email", "status", "total", "placed_at", "items"])
        for i in range(rows):
            quantity, price = rng.randint(1, 3), rng.randint(100, 9999)
            items = [{"name": f"Item {i % 97}", "quantity": quantity, "unit_price": price / 100}]
            writer.writerow(
                [
                    f"shop-{i}",
                    f"W-{100000 + i}",
                    f"customer{i}@example.com",
                    rng.choice(("placed", "shipped", "delivered")),
                    f"{quantity * price / 100:.2f}" if i % BAD_EVERY != 3 else "lots",
                    "2026-11-01T10:00:00Z",
                    json.dumps(items),
                ]
            )


async def baseline(hub: Hub, path: Path) -> float:
    """Rows/s of parsing ``path`` and inserting a bare customers row per line."""
    started = time.perf_counter()
    rows = 0
    with path.open(newline="") as fh:
        reader = csv.DictReader(fh)
        batch: list[dict[str, object]] = []
        for row in reader:
            now = utcnow()
            batch.append({"name": row["name"], "created_at": now, "updated_at": now})
            if len(batch) >= BATCH:
                async with hub.uow() as uow:
                    await uow.session.execute(insert(Customer), batch)
                rows += len(batch)
                batch = []
        if batch:
            async with hub.uow() as uow:
                await uow.session.execute(insert(Customer), batch)
            rows += len(batch)
    return rows / (time.perf_counter() - started)


async def run_import(url: str, path: Path, kind: str) -> ImportResult:
    hub = Hub(Settings(database_url=url, secret_key="bench"))
    try:
        with path.open(newline="") as fh:
            return await import_csv(hub, fh, kind=kind, batch_size=BATCH)
    finally:
        await hub.dispose()


async def bench_engine(url: str, customers: Path, orders: Path) -> list[tuple[str, float, int]]:
    await upgrade_async(url)
    results = []
    for kind, path in (("customers", customers), ("orders", orders)):
        result = await run_import(url, path, kind)
        results.append((kind, result.rows_per_second, len(result.rejected)))
        print(
            f"   {kind:9} {result.rows} rows in {result.seconds:6.1f}s = "
            f"{result.rows_per_second:7.0f} rows/s, {result.accepted} accepted, "
            f"{len(result.rejected)} rejected",
            flush=True,
        )
    hub = Hub(Settings(database_url=url, secret_key="bench"))
    try:
        base = await baseline(hub, customers)
    finally:
        await hub.dispose()
    print(
        f"   baseline  bare INSERT per line: {base:7.0f} rows/s "
        f"(customers import = {results[0][1] / base:.3f} of it)",
        flush=True,
    )
    return results


async def amain(rows: int, engines: list[str]) -> int:
    status = 0
    with tempfile.TemporaryDirectory(prefix="hub-bench-import-") as tmp:
        customers, orders = Path(tmp) / "customers.csv", Path(tmp) / "orders.csv"
        write_customers(customers, rows)
        write_orders(orders, rows)
        expected_bad = len(range(1, rows, BAD_EVERY))
        for engine in engines:
            print(f"-- {engine}: {rows} rows per file", flush=True)
            if engine == "sqlite":
                async with scratch_sqlite() as url:
                    results = await bench_engine(url, customers, orders)
            else:
                base_url = os.environ.get("HUB_BENCH_DATABASE_URL", DEFAULT_PG)
                async with scratch_postgres(base_url) as url:
                    results = await bench_engine(url, customers, orders)
            for kind, rate, rejected in results:
                if rejected != expected_bad:
                    print(f"   FAIL {kind}: {rejected} rejected, expected {expected_bad}")
                    status = 1
                if engine == "sqlite":
                    _report.record(f"imports sqlite {kind} rows/s", rate, BUDGET_ROWS_PER_SECOND)
                if engine == "sqlite" and rate < BUDGET_ROWS_PER_SECOND:
                    print(f"   FAIL {kind}: under the budget of {BUDGET_ROWS_PER_SECOND} rows/s")
                    status = 1
    return status


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.imports")
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--engines", default="sqlite,postgresql")
    args = parser.parse_args(argv)
    return asyncio.run(amain(args.rows, [e.strip() for e in args.engines.split(",") if e]))


if __name__ == "__main__":
    raise SystemExit(main())
