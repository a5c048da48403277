"""Webhook deliveries: queued after commit, signed, retried through the outbox, logged."""

from __future__ import annotations

import hashlib
import hmac
import json
import time

from sqlalchemy import func, select, update

from hub.actions.inbound import receive_inbound
from hub.actions.subscriptions import create_webhook, redeliver_webhook, update_webhook
from hub.actions.threads import set_thread_status
from hub.core import Hub
from hub.db import utcnow
from hub.models import OutboxJob, WebhookAttempt, WebhookDelivery
from hub.policies.subscriptions import install_subscriptions
from hub.queries.subscriptions import delivery_attempts, list_deliveries
from hub.types import Inbound
from hub.workers.outbox import OutboxWorker
from tests.hub.subscriptions.conftest import Receiver


def verify_signature(secret: str, headers: dict[str, str], body: bytes) -> bool:
    """The receiver-side recipe from docs/webhooks.md, verbatim."""
    timestamp = headers["X-Hub-Timestamp"]
    signature = headers["X-Hub-Signature"]
    if abs(time.time() - int(timestamp)) > 300:
        return False
    expected = hmac.new(
        secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256
    ).hexdigest()
    return hmac.compare_digest(f"sha256={expected}", signature)


def sms(body: str, sid: str) -> Inbound:
    return Inbound(channel="sms", kind="phone", address="+15551230000", body=body, provider_id=sid)


async def drain_until_idle(hub: Hub, rounds: int = 6) -> None:
    """Run the outbox, making retried jobs due at once instead of waiting for backoff."""
    worker = OutboxWorker(hub)
    for _ in range(rounds):
        async with hub.uow() as uow:
            await uow.session.execute(
                update(OutboxJob)
                .where(OutboxJob.state == "queued")
                .values(next_attempt_at=utcnow())
            )
        if not await worker.drain_once():
            return


async def test_delivery_is_signed_retried_and_logged(hub: Hub, receiver: Receiver) -> None:
    install_subscriptions(hub)
    async with hub.uow() as uow:
        endpoint, secret = await create_webhook(uow, receiver.url, ["message.created"])
    receiver.statuses = [500, 500, 200]
    async with hub.uow() as uow:
        await receive_inbound(uow, sms("Where is my order?", "SM1"))
    await drain_until_idle(hub)

    assert len(receiver.received) == 3
    for got in receiver.received:
        assert verify_signature(secret, got.headers, got.body)
        assert not verify_signature("whsec_wrong", got.headers, got.body)
    payload = json.loads(receiver.received[-1].body)
    assert payload["type"] == "message.created"
    assert payload["data"]["event"]["body"] == "Where is my order?"
    assert {r.body for r in receiver.received} == {receiver.received[0].body}

    async with hub.read() as session:
        delivery = (await session.execute(select(WebhookDelivery))).scalar_one()
        attempts = list(
            (
                await session.execute(select(WebhookAttempt).order_by(WebhookAttempt.number))
            ).scalars()
        )
        job = (await session.execute(select(OutboxJob))).scalar_one()
    assert delivery.state == "delivered"
    assert delivery.attempts == 3
    assert delivery.endpoint_id == endpoint.id
    assert [a.status_code for a in attempts] == [500, 500, 200]
    assert attempts[-1].response_excerpt == "answer 200"
    assert job.state == "done"


async def test_same_event_published_twice_is_queued_once(hub: Hub, receiver: Receiver) -> None:
    install_subscriptions(hub)
    async with hub.uow() as uow:
        await create_webhook(uow, receiver.url, ["message.created", "thread.resolved"])
        received = await receive_inbound(uow, sms("hello", "SM2"))
        events = list(uow.events)
    await hub.publish(events)  # a second publication of the same committed events
    async with hub.uow() as uow:
        await set_thread_status(uow, received.customer.id, "resolved")
    async with hub.read() as session:
        names = list((await session.execute(select(WebhookDelivery.event))).scalars())
        jobs = (await session.execute(select(func.count()).select_from(OutboxJob))).scalar_one()
    assert sorted(names) == ["message.created", "thread.resolved"]
    assert jobs == 2


async def test_client_error_fails_without_retry(hub: Hub, receiver: Receiver) -> None:
    install_subscriptions(hub)
    async with hub.uow() as uow:
        await create_webhook(uow, receiver.url, ["message.created"])
    receiver.statuses = [410]
    async with hub.uow() as uow:
        await receive_inbound(uow, sms("hi", "SM3"))
    await drain_until_idle(hub)
    async with hub.read() as session:
        delivery = (await session.execute(select(WebhookDelivery))).scalar_one()
        job = (await session.execute(select(OutboxJob))).scalar_one()
    assert len(receiver.received) == 1
    assert (delivery.state, delivery.status_code, job.state) == ("failed", 410, "failed")

    async with hub.uow() as uow:  # the admin's "Redeliver" button
        await redeliver_webhook(uow, delivery.id)
    await drain_until_idle(hub)
    async with hub.read() as session:
        [again] = await list_deliveries(session, state="delivered")
        attempts = (await delivery_attempts(session, [again.id]))[again.id]
    assert again.id == delivery.id and again.attempts == 2
    assert [a.status_code for a in attempts] == [410, 200]
    assert receiver.received[0].body == receiver.received[1].body


async def test_inactive_endpoint_gets_nothing(hub: Hub, receiver: Receiver) -> None:
    install_subscriptions(hub)
    async with hub.uow() as uow:
        endpoint, _ = await create_webhook(uow, receiver.url, ["message.created"])
        await update_webhook(uow, endpoint.id, active=False)
    async with hub.uow() as uow:
        await receive_inbound(uow, sms("hi", "SM4"))
    await drain_until_idle(hub)
    assert receiver.received == []
