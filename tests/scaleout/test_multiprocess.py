"""Scale-out: real ``hub serve`` processes sharing PostgreSQL and Redis.

A webhook handled by one process reaches the agent console and the widget connected
to another; presence and typing cross processes; replies pending on a process that is
SIGKILLed are still sent exactly once by the survivors' outbox.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter

import httpx
from sqlalchemy import select

from hub.models import Event
from simulators.twilio.messages import MessagesResource
from tests.scaleout.conftest import WAIT, Cluster, SocketClient, console_cookie, post_sms


async def test_sms_into_one_process_reaches_agent_on_the_other(cluster: Cluster) -> None:
    a, b = await cluster.start(2)
    agent_id = await cluster.agent("Ada")
    console = SocketClient("/agent", ("event.created",))
    await console.connect(b.url, cookie=(await console_cookie(cluster, agent_id))[0])
    try:
        body = f"Where is order W-{uuid.uuid4().hex[:6]}?"
        response = await post_sms(a.url, "+15557654321", body, "SM" + uuid.uuid4().hex)
        assert response.status_code == 200
        created = await console.next("event.created", lambda d: d["event"]["body"] == body)
        assert created["event"]["channel"] == "sms"
        assert created["event"]["direction"] == "in"
    finally:
        await console.close()


async def test_reply_typing_and_presence_cross_processes(cluster: Cluster) -> None:
    a, b = await cluster.start(2)
    agent_id = await cluster.agent("Grace")
    token = await cluster.api_token()
    widget = SocketClient("/widget", ("session", "message", "typing"))
    console = SocketClient("/agent", ("event.created",))
    await widget.connect(b.url, auth={})
    try:
        first = await widget.next("session")
        assert first["online"] is False
        ack = await widget.call("message", {"client_id": "c1", "body": "Hello?"})
        assert ack["ok"] is True
        customer_id = ack["customer_id"]

        # Presence: an agent whose console is open on A counts as online on B.
        await console.connect(a.url, cookie=(await console_cookie(cluster, agent_id))[0])
        for _ in range(int(WAIT / 0.2)):
            again = SocketClient("/widget", ("session",))
            await again.connect(b.url, auth={"visitor_token": first["visitor_token"]})
            online = (await again.next("session"))["online"]
            await again.close()
            if online:
                break
            await asyncio.sleep(0.2)
        assert online is True

        # Typing in the console on A shows in the widget on B.
        await console.call("watch", {"customer_id": customer_id})
        await console.client.emit(
            "typing", {"customer_id": customer_id, "typing": True}, namespace="/agent"
        )
        typing = await widget.next("typing")
        assert typing["typing"] is True

        # A reply sent through A's REST API reaches the widget connected to B.
        async with httpx.AsyncClient(base_url=a.url, timeout=WAIT) as http:
            response = await http.post(
                f"/api/v1/customers/{customer_id}/messages",
                json={"body": "We are on it", "channel": "webchat"},
                headers={"Authorization": f"Bearer {token}"},
            )
        assert response.status_code == 202, response.text
        message = await widget.next("message", lambda m: m.get("body") == "We are on it")
        assert message["direction"] == "out"
    finally:
        await console.close()
        await widget.close()


async def test_replies_pending_on_a_killed_process_are_sent_exactly_once(
    cluster: Cluster,
) -> None:
    survivor, doomed = await cluster.start(2)
    token = await cluster.api_token()
    sender = "+15559876543"
    response = await post_sms(survivor.url, sender, "Hi", "SM" + uuid.uuid4().hex)
    assert response.status_code == 200
    async with cluster.hub.read() as db:
        customer_id = (await db.execute(select(Event.customer_id))).scalars().one()

    bodies = [f"Reply {i} {uuid.uuid4().hex[:4]}" for i in range(6)]
    async with httpx.AsyncClient(base_url=doomed.url, timeout=WAIT) as http:
        for body in bodies:
            sent = await http.post(
                f"/api/v1/customers/{customer_id}/messages",
                json={"body": body, "channel": "sms"},
                headers={"Authorization": f"Bearer {token}"},
            )
            assert sent.status_code == 202, sent.text

    messages = cluster.simulator.resource(MessagesResource)
    # The simulator accepts each message at once but answers a second late: kill the
    # process while it waits for those answers.
    for _ in range(int(WAIT / 0.02)):
        if messages.sent:
            break
        await asyncio.sleep(0.02)
    assert messages.sent, "no reply reached the simulator"
    await doomed.kill()

    async def all_sent() -> None:
        while True:
            async with cluster.hub.read() as db:
                rows = await db.execute(
                    select(Event.status).where(Event.body.in_(bodies), Event.direction == "out")
                )
                statuses = list(rows.scalars())
            if len(statuses) == len(bodies) and all(s != "pending" for s in statuses):
                return
            await asyncio.sleep(0.1)

    await asyncio.wait_for(all_sent(), 20)
    await asyncio.sleep(0.5)  # a duplicate would show up now
    counts = Counter(m.body for m in messages.sent if m.to == sender)
    assert counts == Counter({body: 1 for body in bodies})
