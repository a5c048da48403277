"""Crash safety: SIGKILL the hub at random moments under load and lose nothing acknowledged.

A real ``hub serve`` process takes signed SMS webhooks, widget messages and REST API
replies (sent through the Twilio simulator) while it is killed three times and
restarted. At the end every webhook answered 2xx and every widget message acked is
stored exactly once, and every reply answered 202 was sent exactly once.
"""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import text

from hub.db import create_engine
from simulators.twilio.messages import MessagesResource
from simulators.twilio.server import RunningSimulator
from tests.reliability.conftest import HubProcess
from tests.reliability.load import Acked, ReplyFlood, SmsFlood, WidgetVisitor

KILLS = 3
LEASE_SECONDS = "1.5"


async def stored_inbound(db_url: str) -> Counter[str]:
    """Inbound message bodies by how many times each is stored; checks every event
    belongs to an existing thread of its customer (nothing half-written)."""
    engine = create_engine(db_url)
    try:
        async with engine.connect() as conn:
            rows = (
                await conn.execute(
                    text(
                        "SELECT e.body, t.customer_id = e.customer_id FROM events e "
                        "LEFT JOIN threads t ON t.id = e.thread_id "
                        "WHERE e.type = 'message' AND e.direction = 'in'"
                    )
                )
            ).all()
    finally:
        await engine.dispose()
    assert all(row[1] for row in rows), "an event without its customer's thread"
    return Counter(row[0] for row in rows)


async def wait_until_sent(sim: MessagesResource, bodies: set[str], within: float) -> None:
    for _ in range(int(within * 10)):
        if bodies <= {m.body for m in sim.sent}:
            return
        await asyncio.sleep(0.1)


@pytest.mark.timeout(90)
async def test_sigkill_under_load_loses_and_duplicates_nothing(
    empty_db: str, tmp_path: Path, simulator: RunningSimulator
) -> None:
    hub = HubProcess(empty_db, tmp_path, simulator.url, HUB_OUTBOX_LEASE_SECONDS=LEASE_SECONDS)
    await hub.run("migrate")
    token = (await hub.run("create-api-token", "crash-test")).split()[-1]
    acked = Acked()
    stop = asyncio.Event()
    sms = SmsFlood(hub.url, acked, stop)
    replies = ReplyFlood(hub.url, token, acked, stop)
    visitors = [WidgetVisitor(hub.url, f"v{n}", acked, stop) for n in range(6)]
    rng = random.Random()
    await hub.start()
    tasks = [
        *(asyncio.create_task(sms.worker()) for _ in range(4)),
        *(asyncio.create_task(replies.worker()) for _ in range(2)),
        *(asyncio.create_task(v.run()) for v in visitors),
    ]
    try:
        for _ in range(KILLS):
            await asyncio.sleep(rng.uniform(0.8, 1.8))
            await hub.kill()
            await hub.start()
        await asyncio.sleep(1.0)
        stop.set()
        await asyncio.wait_for(asyncio.gather(*tasks), 15)
        await sms.drain(within=5)
        messages = simulator.simulator.resource(MessagesResource)
        await wait_until_sent(messages, acked.replies, within=10)
    finally:
        stop.set()
        for task in tasks:
            task.cancel()
        await hub.stop()
    assert hub.starts == KILLS + 1
    assert not sms.unacked, f"webhooks never accepted: {len(sms.unacked)}\n{hub.log_tail()}"
    assert len(acked.sms) > 20 and len(acked.widget) > 10 and len(acked.replies) > 10, acked

    stored = await stored_inbound(empty_db)
    duplicates = {body: n for body, n in stored.items() if n > 1}
    assert not duplicates, duplicates
    assert not acked.sms - set(stored), "acknowledged SMS lost"
    assert not acked.widget - set(stored), "acknowledged widget messages lost"

    sent = Counter(m.body for m in messages.sent)
    assert not {body: n for body, n in sent.items() if n > 1}, "a reply was sent twice"
    assert not acked.replies - set(sent), f"accepted replies never sent\n{hub.log_tail()}"
    assert set(sent) <= acked.reply_attempts
