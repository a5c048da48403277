"""``python -m bench._smtp_client HOST PORT N CONCURRENCY RUN``: deliver N messages over
CONCURRENCY SMTP sessions and print the seconds from first connect to last 250.

Runs in its own process so the sending side does not share the measured server's
event loop (``bench.email``)."""

from __future__ import annotations

import asyncio
import sys
import time

import aiosmtplib

SENDERS = 100
QUOTED = "\n".join(
    f"> line {i} of the conversation so far, quoted by the mail client" for i in range(30)
)


def message(i: int, run: str) -> bytes:
    sender = f"customer{i % SENDERS}@example.com"
    return (
        f"From: Customer {i % SENDERS} <{sender}>\r\n"
        "To: support@shop.example\r\n"
        f"Subject: Re: Order W-{10000 + i % SENDERS}\r\n"
        f"Message-ID: <{run}.{i}@example.com>\r\n"
        "Date: Sun, 29 Nov 2026 10:00:00 +0000\r\n"
        "MIME-Version: 1.0\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\n"
        "Hi, is my order ready for pickup at the Downtown store? Thanks!\r\n\r\n"
        "On Sat, 28 Nov 2026 at 09:00, Shop <support@shop.example> wrote:\r\n"
        f"{QUOTED}\r\n"
    ).encode()


async def session(host: str, port: int, numbers: list[int], run: str) -> None:
    client = aiosmtplib.SMTP(hostname=host, port=port, start_tls=False, timeout=60)
    await client.connect()
    try:
        for i in numbers:
            await client.sendmail(
                f"customer{i % SENDERS}@example.com", ["support@shop.example"], message(i, run)
            )
    finally:
        await client.quit()


async def deliver(host: str, port: int, count: int, concurrency: int, run: str) -> float:
    started = time.perf_counter()
    await asyncio.gather(
        *(session(host, port, list(range(c, count, concurrency)), run) for c in range(concurrency))
    )
    return time.perf_counter() - started


if __name__ == "__main__":
    host, port, count, concurrency, run = sys.argv[1:6]
    print(asyncio.run(deliver(host, int(port), int(count), int(concurrency), run)))
