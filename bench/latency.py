"""Latency from an SMS webhook POST to the ``event.created`` frame at a connected agent.

One hub process per engine. First its maximum rate is measured (wrk, unpaced, as in
``bench.webhooks``); then wrk replays pre-signed webhooks paced at 50 % and 80 % of
that rate while this process sends probe webhooks (signed the same way, ``PROBES``
per second) and times each one from the POST to the ``event.created`` frame carrying
its MessageSid at an agent console connected with the python-socketio client. The
console receives every event of the background load too, as a real one would.
Target: p99 < 50 ms on one process at 80 % load (recorded for ``bench._report``).

``python -m bench.latency [--seconds S] [--engines sqlite,postgresql]``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import tempfile
import time
import uuid
from base64 import b64encode
from pathlib import Path
from typing import Any

import httpx
import socketio
from itsdangerous import TimestampSigner
from twilio.request_validator import RequestValidator

from bench import _report
from bench._load import (
    DEFAULT_PG,
    PUBLIC_URL,
    TOKEN,
    WrkResult,
    machine,
    migrated,
    run_wrk,
    server,
    server_env,
    signed_params,
    write_requests,
)
from bench.ingest import scratch_postgres, scratch_sqlite
from hub.actions.sessions import start_session
from hub.actions.staff import create_agent
from hub.core import Hub
from hub.settings import Settings
from hub.web.sessions import SESSION_COOKIE, SESSION_KEY

PROBES = 25  # per second
PACED_CONNECTIONS = 16
LOADS = (0.5, 0.8)
P99_TARGET_MS = 50.0


async def signed_in_agent(database_url: str, secret: str) -> str:
    """An agent with a server-side console session; returns its ``Cookie`` header."""
    hub = Hub(Settings(database_url=database_url, secret_key=secret))
    try:
        async with hub.uow() as uow:
            agent = await create_agent(uow, "bench@example.com", "Bench", "correct horse battery")
            key = await start_session(uow, agent)
    finally:
        await hub.dispose()
    payload = b64encode(json.dumps({SESSION_KEY: key}).encode())
    return f"{SESSION_COOKIE}={TimestampSigner(secret).sign(payload).decode()}"


class Probe:
    """Signed webhooks sent at a steady rate, timed to their ``event.created`` frame."""

    def __init__(self, url: str, cookie: str) -> None:
        self.url = url
        self.cookie = cookie
        self.sent: dict[str, float] = {}
        self.latencies: list[float] = []
        self.client = socketio.AsyncClient(reconnection=False)
        self.client.on("event.created", self._on_event, namespace="/agent")
        self.validator = RequestValidator(TOKEN)
        self.run = "P" + uuid.uuid4().hex[:6]

    async def _on_event(self, data: Any) -> None:
        sid = data.get("event", {}).get("provider_id")
        began = self.sent.pop(sid, None) if sid else None
        if began is not None:
            self.latencies.append((time.perf_counter() - began) * 1000)

    async def connect(self) -> None:
        await self.client.connect(
            self.url,
            namespaces=["/agent"],
            transports=["websocket"],
            headers={"Cookie": self.cookie, "Origin": PUBLIC_URL},
        )

    async def run_for(self, seconds: float, start: int) -> None:
        interval = 1.0 / PROBES
        async with httpx.AsyncClient(base_url=self.url, timeout=10) as http:
            tasks = []
            began = time.perf_counter()
            i = start
            while time.perf_counter() - began < seconds:
                tasks.append(asyncio.create_task(self._one(http, i)))
                i += 1
                await asyncio.sleep(max(0.0, began + (i - start) * interval - time.perf_counter()))
            await asyncio.gather(*tasks)
        await asyncio.sleep(0.5)  # frames still on their way

    async def _one(self, http: httpx.AsyncClient, i: int) -> None:
        params = signed_params(i, self.run)
        signature = self.validator.compute_signature(PUBLIC_URL + "/twilio/sms", params)
        self.sent[params["MessageSid"]] = time.perf_counter()
        await http.post("/twilio/sms", data=params, headers={"X-Twilio-Signature": signature})

    def take(self) -> tuple[list[float], int]:
        latencies, lost = self.latencies, len(self.sent)
        self.latencies, self.sent = [], {}
        return latencies, lost


async def calibrated_pace(url: str, path: Path, target: float) -> int:
    """wrk's per-connection delay (ms) that gives about ``target`` requests/s: a short
    run at the naive delay measures the time each request itself takes."""
    naive = max(1, round(PACED_CONNECTIONS * 1000 / target))
    trial = await asyncio.to_thread(
        run_wrk,
        url,
        write_requests(path, int(target * 6)),
        seconds=2,
        connections=PACED_CONNECTIONS,
        pace_ms=naive,
    )
    per_request = PACED_CONNECTIONS * 1000 / max(trial.rate, 1.0) - naive
    return max(1, round(PACED_CONNECTIONS * 1000 / target - per_request))


def percentile(values: list[float], q: int) -> float:
    if not values:
        return float("nan")
    return (
        statistics.quantiles(values, n=100, method="inclusive")[q - 1] if q < 100 else max(values)
    )


async def engine_run(engine: str, url: str, files: tuple[Path, Path], seconds: float) -> None:
    await migrated(url)
    env = server_env(url)
    cookie = await signed_in_agent(url, env["HUB_SECRET_KEY"])
    warmup, main = files
    async with server("hub", env) as running:
        await asyncio.to_thread(run_wrk, running.url, warmup, seconds=2)
        peak: WrkResult = await asyncio.to_thread(run_wrk, running.url, main, seconds=seconds)
        probe = Probe(running.url, cookie)
        await probe.connect()
        rows = []
        for n, load in enumerate(LOADS):
            target = peak.rate * load
            pace = await calibrated_pace(
                running.url, main.with_name(f"cal-{engine}-{n}.txt"), target
            )
            fresh = write_requests(
                main.with_name(f"paced-{engine}-{n}.txt"), int(target * 3 * seconds)
            )
            background = asyncio.create_task(
                asyncio.to_thread(
                    run_wrk,
                    running.url,
                    fresh,
                    seconds=seconds,
                    connections=PACED_CONNECTIONS,
                    pace_ms=pace,
                )
            )
            await asyncio.sleep(0.5)
            await probe.run_for(seconds - 1.5, start=n * 1_000_000)
            paced = await background
            latencies, lost = probe.take()
            rows.append((load, paced, latencies, lost))
        await probe.client.disconnect()
    print()
    print(f"{engine}: webhook POST -> event.created at an agent, one process ({machine()})")
    print(
        f"max rate {peak.rate:.0f} req/s; probes at {PROBES}/s during paced wrk load; "
        f"load average {_report.loadavg()}"
    )
    print(
        f"{'load':>5} {'bg req/s':>9} {'probes':>6} {'lost':>4} "
        f"{'p50 ms':>7} {'p99 ms':>7} {'max ms':>7} {'<50ms?':>6}"
    )
    for load, paced, latencies, lost in rows:
        p99 = percentile(latencies, 99)
        if load == LOADS[-1]:
            _report.record(f"latency {engine} p99 ms at {load:.0%} load", p99, P99_TARGET_MS, False)
        print(
            f"{load:>5.0%} {paced.rate:>9.0f} {len(latencies):>6} {lost:>4} "
            f"{percentile(latencies, 50):>7.1f} {p99:>7.1f} {max(latencies or [0]):>7.1f} "
            f"{'yes' if p99 < P99_TARGET_MS else 'no':>6}"
        )


async def run(seconds: float, engines: list[str]) -> None:
    with tempfile.TemporaryDirectory(prefix="hub-bench-") as tmp:
        files = (
            write_requests(Path(tmp) / "warmup.txt", 10_000),
            write_requests(Path(tmp) / "main.txt", 60_000),
        )
        for engine in engines:
            if engine == "sqlite":
                async with scratch_sqlite() as url:
                    await engine_run(engine, url, files, seconds)
            else:
                pg = os.environ.get("HUB_BENCH_DATABASE_URL", DEFAULT_PG)
                async with scratch_postgres(pg) as url:
                    await engine_run(engine, url, files, seconds)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.latency")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--engines", default="sqlite,postgresql")
    args = parser.parse_args(argv)
    asyncio.run(run(args.seconds, [e.strip() for e in args.engines.split(",") if e.strip()]))
    if __name__ == "__main__":
        print()
        print(_report.summary())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
