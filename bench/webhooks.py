"""Inbound SMS webhooks per second through real HTTP, against two baselines; and 2 vs 1.

1. On SQLite and PostgreSQL, wrk (its own process) replays pre-signed Twilio SMS
   webhooks (distinct MessageSids) against, in turn:
   - ``ceiling``: the HTTP-only ceiling (Starlette + the signature check, no database);
   - ``naive``: the bare stack (signature check + one INSERT in its own transaction);
   - ``hub``: the hub (signature check + ``hub.ingest`` group commit: identity,
     thread, event, routing, then the post-commit fan-out).
   Same uvicorn settings for all (``bench._servers``); the three run side by side and
   are measured in alternating rounds; each engine has its own ceiling row.
   Targets: hub ≥ 2.5× naive on SQLite, ≥ 2× on PostgreSQL; hub ≥ 0.5× the ceiling on
   SQLite, ≥ 0.35× on PostgreSQL.
2. The hub on PostgreSQL + Redis with 2 worker processes vs 1 (same machine, same wrk).
   Target: ≥ 1.7× (wrk shares the machine: the load average is printed with it).

Each ratio is also recorded for the summary of ``python -m bench`` (``bench._report``).

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

from bench import _report
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
ROUNDS = 3
# engine -> (hub ÷ naive, hub ÷ ceiling) targets
TARGETS = {"sqlite": (2.5, 0.5), "postgresql": (2.0, 0.35)}
SCALEOUT_TARGET = 1.7


@dataclass
class Row:
    engine: str
    server: str
    result: WrkResult


@dataclass
class Target:
    """One running server and how far into the request file it has been fed."""

    name: str
    url: str
    cursor: int = 0


async def interleaved(
    targets: list[Target], files: tuple[Path, Path], seconds: float
) -> dict[str, WrkResult]:
    """Warm every target up, then measure them in ``ROUNDS`` alternating rounds of
    ``seconds / ROUNDS`` each (so a change of load on the shared machine hits all
    alike). The rate is the total over the rounds; latencies are the median round's."""
    warmup, main = files
    for target in targets:
        await asyncio.to_thread(
            run_wrk, target.url, warmup, seconds=WARMUP_SECONDS, connections=CONNECTIONS
        )
    rounds: dict[str, list[WrkResult]] = {t.name: [] for t in targets}
    for n in range(ROUNDS):
        for target in targets[n % len(targets) :] + targets[: n % len(targets)]:
            result = await asyncio.to_thread(
                run_wrk,
                target.url,
                main,
                seconds=seconds / ROUNDS,
                connections=CONNECTIONS,
                start=target.cursor,
            )
            # wrk counts completed requests; up to one per connection was still in
            # flight when it stopped, so skip past those sids too.
            target.cursor += result.requests + CONNECTIONS
            rounds[target.name].append(result)
    merged = {}
    for name, results in rounds.items():
        total = sum(r.requests for r in results)
        duration = sum(r.requests / r.rate for r in results if r.rate)
        middle = sorted(results, key=lambda r: r.rate)[len(results) // 2]
        merged[name] = WrkResult(
            total / duration if duration else 0.0,
            total,
            sum(r.errors for r in results),
            middle.p50_ms,
            middle.p99_ms,
        )
    return merged


async def engine_rows(
    engine: str, database_url: str, files: tuple[Path, Path], seconds: float
) -> tuple[WrkResult, list[Row]]:
    """The ceiling, the naive stack and the hub on one engine, measured interleaved."""
    await migrated(database_url)
    env = server_env(database_url)
    async with (
        server("ceiling", env) as ceiling,
        server("naive", env) as naive,
        server("hub", env) as hub,
    ):
        results = await interleaved(
            [Target("ceiling", ceiling.url), Target("naive", naive.url), Target("hub", hub.url)],
            files,
            seconds,
        )
    for name, result in results.items():
        print(f"  {engine:<10} {name:<8} {result.rate:>8.0f} req/s", flush=True)
    rows = [Row(engine, name, results[name]) for name in ("naive", "hub")]
    return results["ceiling"], rows


def print_table(ceilings: dict[str, WrkResult], rows: list[Row]) -> None:
    print()
    print(f"SMS webhooks/s, {CONNECTIONS} connections, wrk in its own process ({machine()})")
    header = f"{'engine':<10} {'server':<8} {'req/s':>8} {'p50 ms':>7} {'p99 ms':>7} {'errors':>6}"
    print(header + f" {'÷naive':>7} {'÷ceiling':>8}")
    naive = {r.engine: r.result.rate for r in rows if r.server == "naive"}
    for engine, ceiling in ceilings.items():
        engine_rows = [Row(engine, "ceiling", ceiling)] + [r for r in rows if r.engine == engine]
        for r in engine_rows:
            res = r.result
            print(
                f"{r.engine:<10} {r.server:<8} {res.rate:>8.0f} {res.p50_ms:>7.1f} "
                f"{res.p99_ms:>7.1f} {res.errors:>6} {res.rate / naive[engine]:>7.2f} "
                f"{res.rate / ceiling.rate:>8.2f}"
            )
    for engine, base in naive.items():
        hub = next(r.result.rate for r in rows if r.engine == engine and r.server == "hub")
        to_naive, to_ceiling = TARGETS.get(engine, (1.0, 0.5))
        by_naive = _report.record(f"webhooks {engine} hub/naive", hub / base, to_naive)
        by_ceiling = _report.record(
            f"webhooks {engine} hub/ceiling", hub / ceilings[engine].rate, to_ceiling
        )
        print(
            f"{engine}: hub / naive = {by_naive.value:.2f} (target >= {to_naive:g}: "
            f"{'ok' if by_naive.met else 'BELOW TARGET'}); hub / ceiling = "
            f"{by_ceiling.value:.2f} (target >= {to_ceiling:g}: "
            f"{'ok' if by_ceiling.met else 'BELOW TARGET'}); load average {by_naive.load}"
        )


async def scaleout(pg_base: str, redis_url: str, files: tuple[Path, Path], seconds: float) -> None:
    """The hub with 1 and with 2 worker processes (uvicorn ``--workers``, as ``hub serve
    --workers 2``), each on its own scratch database, sharing one Redis, interleaved."""
    async with scratch_postgres(pg_base) as one_url, scratch_postgres(pg_base) as two_url:
        await migrated(one_url)
        await migrated(two_url)
        async with (
            server("hub", server_env(one_url, redis_url=redis_url)) as one,
            server("hub", server_env(two_url, redis_url=redis_url), workers=2) as two,
        ):
            results = await interleaved(
                [Target("1", one.url), Target("2", two.url)], files, seconds
            )
    print()
    ratio = _report.record(
        "webhooks postgresql+redis 2 processes/1",
        results["2"].rate / results["1"].rate,
        SCALEOUT_TARGET,
    )
    print(
        f"Hub on PostgreSQL + Redis, worker processes on one machine ({machine()}); "
        f"load average {ratio.load}"
    )
    print(f"{'processes':>9} {'req/s':>8} {'p50 ms':>7} {'p99 ms':>7} {'errors':>6} {'ratio':>6}")
    for workers, res in results.items():
        print(
            f"{workers:>9} {res.rate:>8.0f} {res.p50_ms:>7.1f} {res.p99_ms:>7.1f} "
            f"{res.errors:>6} {res.rate / results['1'].rate:>6.2f}"
        )
    print(
        f"2 / 1 = {ratio.value:.2f} (target >= {SCALEOUT_TARGET:g}: "
        f"{'ok' if ratio.met else 'BELOW TARGET'})"
    )


async def run(seconds: float, engines: list[str], with_scaleout: bool) -> None:
    pg_base = os.environ.get("HUB_BENCH_DATABASE_URL", DEFAULT_PG)
    redis_url = os.environ.get("HUB_BENCH_REDIS_URL", DEFAULT_REDIS)
    with tempfile.TemporaryDirectory(prefix="hub-bench-") as tmp:
        files = (
            write_requests(Path(tmp) / "warmup.txt", 20_000),
            write_requests(Path(tmp) / "main.txt", 150_000),
        )
        ceilings: dict[str, WrkResult] = {}
        rows: list[Row] = []
        for engine in engines:
            if engine == "sqlite":
                async with scratch_sqlite() as url:
                    ceilings[engine], found = await engine_rows(engine, url, files, seconds)
            else:
                async with scratch_postgres(pg_base) as url:
                    ceilings[engine], found = await engine_rows(engine, url, files, seconds)
            rows += found
        print_table(ceilings, rows)
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
    if __name__ == "__main__":
        print()
        print(_report.summary())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
