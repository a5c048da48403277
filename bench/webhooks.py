"""Inbound SMS webhooks per second through real HTTP, against two baselines; and 2 vs 1.

1. On SQLite and PostgreSQL, wrk (its own process) replays pre-signed Twilio SMS
   webhooks (distinct MessageSids) against, in turn:
   - ``ceiling``: the HTTP-only ceiling (Starlette + the signature check, no database);
   - ``naive``: the bare stack (signature check + one INSERT in its own transaction);
   - ``hub``: the hub (signature check + ``hub.ingest`` group commit: identity,
     thread, event, routing, then the post-commit fan-out).
   Same uvicorn settings for all (``bench._servers``). Targets: hub ≥ 1.0× naive;
   aim for ≥ 0.5× the ceiling.
2. The hub on PostgreSQL + Redis with 2 worker processes vs 1 (same machine, same wrk).

``python -m bench.webhooks [--seconds S] [--engines sqlite,postgresql] [--no-scaleout]``.
PostgreSQL: ``HUB_BENCH_DATABASE_URL``; Redis: ``HUB_BENCH_REDIS_URL``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from bench._load import (
    DEFAULT_PG,
    DEFAULT_REDIS,
    WrkResult,
    machine,
    migrated,
    run_wrk,
    server,
    server_env,
    write_requests,
)
from bench.ingest import scratch_postgres, scratch_sqlite

WARMUP_SECONDS = 2.0
CONNECTIONS = 64


@dataclass
class Row:
    engine: str
    server: str
    result: WrkResult


async def measure(
    kind: str, env: dict[str, str], files: tuple[Path, Path], seconds: float, workers: int = 1
) -> WrkResult:
    """Warm ``kind`` up on one request file, then measure on the other."""
    warmup, main = files
    async with server(kind, env, workers=workers) as running:
        await asyncio.to_thread(
            run_wrk, running.url, warmup, seconds=WARMUP_SECONDS, connections=CONNECTIONS
        )
        return await asyncio.to_thread(
            run_wrk, running.url, main, seconds=seconds, connections=CONNECTIONS
        )


async def engine_rows(
    engine: str, database_url: str, files: tuple[Path, Path], seconds: float
) -> list[Row]:
    await migrated(database_url)
    env = server_env(database_url)
    rows = []
    for kind in ("naive", "hub"):
        rows.append(Row(engine, kind, await measure(kind, env, files, seconds)))
        print(f"  {engine:<10} {kind:<8} {rows[-1].result.rate:>8.0f} req/s", flush=True)
    return rows


def print_table(ceiling: WrkResult, rows: list[Row]) -> None:
    print()
    print(f"SMS webhooks/s, {CONNECTIONS} connections, wrk in its own process ({machine()})")
    header = f"{'engine':<10} {'server':<8} {'req/s':>8} {'p50 ms':>7} {'p99 ms':>7} {'errors':>6}"
    print(header + f" {'÷naive':>7} {'÷ceiling':>8}")
    print(
        f"{'-':<10} {'ceiling':<8} {ceiling.rate:>8.0f} {ceiling.p50_ms:>7.1f} "
        f"{ceiling.p99_ms:>7.1f} {ceiling.errors:>6} {'':>7} {1.0:>8.2f}"
    )
    naive = {r.engine: r.result.rate for r in rows if r.server == "naive"}
    for r in rows:
        res = r.result
        print(
            f"{r.engine:<10} {r.server:<8} {res.rate:>8.0f} {res.p50_ms:>7.1f} "
            f"{res.p99_ms:>7.1f} {res.errors:>6} {res.rate / naive[r.engine]:>7.2f} "
            f"{res.rate / ceiling.rate:>8.2f}"
        )
    for engine, base in naive.items():
        hub = next(r.result.rate for r in rows if r.engine == engine and r.server == "hub")
        verdict = "ok" if hub >= base else "BELOW TARGET"
        print(f"{engine}: hub / naive = {hub / base:.2f} (target >= 1.0: {verdict})")


async def scaleout(pg_base: str, redis_url: str, files: tuple[Path, Path], seconds: float) -> None:
    results = {}
    for workers in (1, 2):
        async with scratch_postgres(pg_base) as url:
            await migrated(url)
            env = server_env(url, redis_url=redis_url)
            results[workers] = await measure("hub", env, files, seconds, workers=workers)
        print(f"  hub x{workers} {results[workers].rate:>8.0f} req/s", flush=True)
    print()
    print("Hub on PostgreSQL + Redis, worker processes on the same machine")
    print(f"{'processes':>9} {'req/s':>8} {'p50 ms':>7} {'p99 ms':>7} {'errors':>6} {'ratio':>6}")
    for workers, res in results.items():
        print(
            f"{workers:>9} {res.rate:>8.0f} {res.p50_ms:>7.1f} {res.p99_ms:>7.1f} "
            f"{res.errors:>6} {res.rate / results[1].rate:>6.2f}"
        )


async def run(seconds: float, engines: list[str], with_scaleout: bool) -> None:
    pg_base = os.environ.get("HUB_BENCH_DATABASE_URL", DEFAULT_PG)
    redis_url = os.environ.get("HUB_BENCH_REDIS_URL", DEFAULT_REDIS)
    with tempfile.TemporaryDirectory(prefix="hub-bench-") as tmp:
        files = (
            write_requests(Path(tmp) / "warmup.txt", 20_000),
            write_requests(Path(tmp) / "main.txt", 150_000),
        )
        async with scratch_sqlite() as sqlite_url:
            ceiling = await measure("ceiling", server_env(sqlite_url), files, seconds)
        print(f"  ceiling    {ceiling.rate:>8.0f} req/s", flush=True)
        rows: list[Row] = []
        for engine in engines:
            if engine == "sqlite":
                async with scratch_sqlite() as url:
                    rows += await engine_rows(engine, url, files, seconds)
            else:
                async with scratch_postgres(pg_base) as url:
                    rows += await engine_rows(engine, url, files, seconds)
        print_table(ceiling, rows)
        if with_scaleout:
            await scaleout(pg_base, redis_url, files, seconds)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.webhooks")
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--engines", default="sqlite,postgresql")
    parser.add_argument("--no-scaleout", action="store_true")
    args = parser.parse_args(argv)
    engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    asyncio.run(run(args.seconds, engines, not args.no_scaleout))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
