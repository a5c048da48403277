"""Idle widget connections held by one hub process, and resident memory per connection.

One hub process (SQLite; an idle widget touches no database after its handshake).
``bench._widgets`` client processes open raw websocket connections speaking the
Engine.IO/Socket.IO protocol, join ``/widget`` (the hub answers each with its
``session``), then sit idle answering pings. The hub's RSS is read from ``/proc``
after a warm-up of ``WARM`` connections and again with all of them open; the
difference over the added connections is the memory per connection. If connecting
``--count`` sockets takes longer than ``--limit`` seconds, the number reached is
reported (and extrapolated). Targets: 10,000 connections, < 60 KiB each.

``python -m bench.connections [--count N] [--limit SECONDS]``.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path

from bench import _report
from bench._load import ROOT, machine, migrated, server, server_env
from bench._servers import raise_nofile
from bench._widgets import PER_IP
from bench.ingest import scratch_sqlite

WARM = 200
CLIENTS = 2
HOLD_SECONDS = 5.0


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


class Clients:
    """One ``bench._widgets`` process and the last count it reported."""

    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc
        self.connected = 0
        self.failed = 0
        self.done = asyncio.Event()
        self.reader = asyncio.create_task(self._read())

    @classmethod
    async def start(cls, url: str, count: int, first_ip: int) -> Clients:
        proc = await asyncio.create_subprocess_exec(
            *(sys.executable, "-m", "bench._widgets", url, str(count), str(first_ip)),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            cwd=ROOT,
        )
        return cls(proc)

    async def _read(self) -> None:
        assert self.proc.stdout is not None
        async for raw in self.proc.stdout:
            line = raw.decode().strip()
            if line.startswith("connected "):
                self.connected = int(line.split()[1])
            elif line.startswith("done "):
                parts = line.split()
                self.connected, self.failed = int(parts[1]), int(parts[3])
                self.done.set()
            elif line.startswith("error "):
                print(f"  client: {line}", flush=True)

    async def close(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        try:
            await asyncio.wait_for(self.proc.wait(), 30)
        except TimeoutError:
            self.proc.kill()
            await self.proc.wait()
        self.reader.cancel()


async def run(count: int, limit: float) -> None:
    raise_nofile()
    async with scratch_sqlite() as url:
        await migrated(url)
        async with server("hub", server_env(url)) as hub:
            pid = hub.proc.pid
            idle = rss_kib(pid)
            warm = await Clients.start(hub.url, WARM, 0)
            await asyncio.wait_for(warm.done.wait(), 60)
            await asyncio.sleep(1.0)
            base = rss_kib(pid)
            share = (count - WARM) // CLIENTS
            first_ip = WARM // PER_IP + 1
            clients = []
            for n in range(CLIENTS):
                clients.append(
                    await Clients.start(hub.url, share, first_ip + n * (share // PER_IP + 1))
                )
            began = time.perf_counter()
            try:
                await asyncio.wait_for(asyncio.gather(*(c.done.wait() for c in clients)), limit)
            except TimeoutError:
                pass
            took = time.perf_counter() - began
            await asyncio.sleep(HOLD_SECONDS)
            added = sum(c.connected for c in clients)
            failed = sum(c.failed for c in clients) + warm.failed
            full = rss_kib(pid)
            alive = hub.proc.poll() is None
            for c in [warm, *clients]:
                await c.close()
    total = added + warm.connected
    per_conn = (full - base) / max(added, 1)
    print()
    print(f"Idle widget connections on one hub process ({machine()})")
    print(
        f"{'connections':>11} {'failed':>6} {'connect s':>9} {'conn/s':>7} "
        f"{'RSS MiB':>8} {'KiB/conn':>8} {'<60KiB?':>7}"
    )
    print(
        f"{total:>11} {failed:>6} {took:>9.1f} {added / took:>7.0f} {full / 1024:>8.1f} "
        f"{per_conn:>8.1f} {'yes' if per_conn < 60 else 'no':>7}"
    )
    print(f"RSS: {idle / 1024:.1f} MiB idle, {base / 1024:.1f} MiB with {WARM} connections")
    if total < count:
        projected = (full + (count - total) * per_conn) / 1024
        print(
            f"reached {total} of {count} in {limit:.0f} s; at {per_conn:.1f} KiB each, "
            f"{count} would need about {projected:.0f} MiB"
        )
    print(f"hub process still alive after {HOLD_SECONDS:.0f} s idle: {alive}")
    _report.record(f"connections {count} idle: KiB each", per_conn, 60, False)
    _report.record(f"connections of {count} reached", total / count, 1.0)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.connections")
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--limit", type=float, default=180.0)
    args = parser.parse_args(argv)
    asyncio.run(run(args.count, args.limit))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
