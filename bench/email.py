"""Email inbound benchmark: messages per second through the SMTP receiver into the
thread, next to a bare ``aiosmtpd`` handler that only stores the raw message.

Both servers listen on loopback in this process, on the same database engine; a
separate process (``bench._smtp_client``) delivers the same kind of mail (a reply
with 30 quoted lines, 100 senders, unique Message-IDs) over ``CONCURRENCY`` SMTP
sessions, as a busy MX would. The hub's side parses the MIME, splits the reply from
the quote, resolves the sender and appends to their thread (group commit through
``hub.ingest``) before answering 250; the bare side answers 250 after one INSERT of
the raw bytes in its own transaction. The two alternate in rounds so load on the
machine hits both alike. Target: hub / bare >= 0.5. No DKIM signatures (a DNS look-up
per message would measure the resolver, not the hub).

PostgreSQL: ``HUB_BENCH_DATABASE_URL`` (default the local test server), a scratch
database created and dropped. Run with
``python -m bench.email [--messages N] [--engines sqlite,postgresql]``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import uuid
from pathlib import Path

from aiosmtpd.smtp import SMTP, Envelope, Session
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bench import _report
from bench.ingest import DEFAULT_PG, scratch_postgres, scratch_sqlite
from connectors.email import EmailConnector
from hub.core import Hub
from hub.migrate import upgrade_async
from hub.port import HubPort
from hub.settings import Settings

ROUNDS = 4
CONCURRENCY = 20


class BareHandler:
    """The baseline: store the raw message (one INSERT, one transaction), answer 250."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        async with self.engine.begin() as conn:
            await conn.execute(
                text("INSERT INTO bench_raw_mail (mail_from, raw) VALUES (:f, :r)"),
                {"f": envelope.mail_from, "r": envelope.original_content},
            )
        return "250 OK"


async def client_seconds(port: int, count: int, run: str) -> float:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bench._smtp_client",
        "127.0.0.1",
        str(port),
        str(count),
        str(CONCURRENCY),
        run,
        stdout=asyncio.subprocess.PIPE,
    )
    out, _ = await process.communicate()
    if process.returncode != 0:
        raise RuntimeError("the SMTP client failed")
    return float(out.decode().strip())


async def bench_engine(url: str, messages: int, var_dir: Path) -> tuple[float, float]:
    await upgrade_async(url)
    settings = Settings(
        database_url=url,
        secret_key="bench-secret-" + "x" * 32,
        var_dir=var_dir,
        outbox_enabled=False,
        environ={"HUB_SMTP_LISTEN": "127.0.0.1:0", "HUB_EMAIL_ADDRESS": "support@shop.example"},
    )
    hub = Hub(settings)
    connector = EmailConnector(HubPort(hub))
    hub.add_connector(connector)
    blob = "BYTEA" if url.startswith("postgresql") else "BLOB"
    async with hub.engine.begin() as conn:
        await conn.execute(
            text(
                "CREATE TABLE bench_raw_mail (id INTEGER PRIMARY KEY"
                + (" GENERATED ALWAYS AS IDENTITY" if blob == "BYTEA" else "")
                + f", mail_from TEXT, raw {blob})"
            )
        )
    await connector.startup()
    assert connector.receiver is not None
    hub_port = connector.receiver.address[1]
    loop = asyncio.get_running_loop()
    bare = await loop.create_server(
        lambda: SMTP(BareHandler(hub.engine), hostname="bare"), "127.0.0.1", 0
    )
    bare_port = bare.sockets[0].getsockname()[1]
    hub_rates, bare_rates = [], []
    try:
        await client_seconds(hub_port, 50, "warm" + uuid.uuid4().hex[:6])  # warm-up
        for r in range(ROUNDS):
            run = uuid.uuid4().hex[:8]
            hub_rates.append(messages / await client_seconds(hub_port, messages, f"h{r}{run}"))
            bare_rates.append(messages / await client_seconds(bare_port, messages, f"b{r}{run}"))
    finally:
        bare.close()
        await bare.wait_closed()
        await connector.shutdown()
        await hub.dispose()
    return statistics.median(hub_rates), statistics.median(bare_rates)


async def run(messages: int, engines: list[str]) -> int:
    for engine in engines:
        with tempfile.TemporaryDirectory(prefix="hub-bench-mail-") as tmp:
            if engine == "sqlite":
                scratch = scratch_sqlite()
            else:
                scratch = scratch_postgres(os.environ.get("HUB_BENCH_DATABASE_URL", DEFAULT_PG))
            async with scratch as url:
                hub_rate, bare_rate = await bench_engine(url, messages, Path(tmp))
        ratio = hub_rate / bare_rate
        _report.record(f"email {engine} hub/bare", ratio, 0.5)
        print(
            f"email inbound ({engine}, {messages} msgs x {ROUNDS} rounds, "
            f"{CONCURRENCY} SMTP sessions): hub {hub_rate:.0f} msg/s, "
            f"bare aiosmtpd+INSERT {bare_rate:.0f} msg/s, ratio {ratio:.2f} (target >= 0.5)",
            flush=True,
        )
    return 0  # figures are reported, not enforced (the machine is shared)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.email")
    parser.add_argument("--messages", type=int, default=400)
    parser.add_argument("--engines", default="sqlite,postgresql")
    args = parser.parse_args(argv if argv is not None else [])
    return asyncio.run(run(args.messages, args.engines.split(",")))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
