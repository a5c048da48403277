"""Recording retention: the purge, its daily outbox job started by the app, on both engines."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import select

from hub.actions.calls import attach_recording, attach_transcript
from hub.actions.inbound import receive_inbound
from hub.actions.retention import PURGE_JOB, prune_delivery_logs, purge_recordings
from hub.actions.staff import create_terminal
from hub.app import create_app
from hub.core import Hub
from hub.db import utcnow
from hub.models import (
    AuditEntry,
    Event,
    OutboxJob,
    TerminalFrame,
    WebhookDelivery,
    WebhookEndpoint,
)
from hub.settings import Settings
from hub.types import Inbound
from tests.conftest import running_app


async def add_call(hub: Hub, sid: str, days_ago: int, *, voicemail: bool = False) -> int:
    async with hub.uow() as uow:
        received = await receive_inbound(
            uow,
            Inbound(
                channel="phone",
                kind="phone",
                address="+15550107777",
                type="call",
                provider_id=sid,
                status="completed",
                occurred_at=utcnow() - timedelta(days=days_ago),
                data={"duration": 30, "voicemail": voicemail},
            ),
        )
        await attach_recording(uow, "phone", sid, f"RE{sid}", f"https://rec.example/{sid}")
        await attach_transcript(uow, "phone", sid, f"RE{sid}", "my card number is 4111")
    return received.event.id


async def event_data(hub: Hub, event_id: int) -> dict[str, object]:
    async with hub.read() as session:
        event = await session.get(Event, event_id)
        assert event is not None
        return dict(event.data)


async def test_purge_removes_old_recordings_and_transcripts_only(hub: Hub) -> None:
    old = await add_call(hub, "CA_OLD", days_ago=40, voicemail=True)
    recent = await add_call(hub, "CA_NEW", days_ago=2)
    async with hub.uow() as uow:
        message = await receive_inbound(
            uow,
            Inbound(
                channel="sms",
                kind="phone",
                address="+15550107777",
                body="hi",
                provider_id="SM1",
                occurred_at=utcnow() - timedelta(days=50),
                data={"recording_note": "not a call: kept"},
            ),
        )
    async with hub.uow() as uow:
        assert await purge_recordings(uow, 30) == 1
    purged = await event_data(hub, old)
    assert not [k for k in purged if k.startswith(("recording", "transcri"))]
    assert purged["duration"] == 30 and purged["voicemail"] is True
    assert "media_purged_at" in purged
    assert "recordings" in await event_data(hub, recent)
    assert "transcript" in await event_data(hub, recent)
    assert "recording_note" in await event_data(hub, message.event.id)

    async with hub.uow() as uow:
        assert await purge_recordings(uow, 30) == 0  # nothing left to remove
    async with hub.read() as session:
        audits = list((await session.execute(select(AuditEntry))).scalars())
    assert [(a.action, a.data) for a in audits] == [
        ("recordings.purged", {"events": 1, "days": 30})
    ]


async def test_app_runs_the_daily_purge_through_the_outbox(settings: Settings) -> None:
    hub = Hub(settings)
    try:
        old = await add_call(hub, "CA_OLD", days_ago=10)
    finally:
        await hub.dispose()
    app = create_app(settings.with_(recording_retention_days=7))
    async with running_app(app):
        live_hub: Hub = app.state.hub
        for _ in range(400):
            if "recordings" not in await event_data(live_hub, old):
                break
            await asyncio.sleep(0.05)
        assert "recordings" not in await event_data(live_hub, old)
        for _ in range(400):
            async with live_hub.read() as session:
                jobs = list(
                    (
                        await session.execute(
                            select(OutboxJob)
                            .where(OutboxJob.kind == PURGE_JOB)
                            .order_by(OutboxJob.id)
                        )
                    ).scalars()
                )
            # The next day's job is queued before today's is marked done.
            if len(jobs) == 2 and jobs[0].state == "done":
                break
            await asyncio.sleep(0.05)
    today = utcnow().date()
    assert [(j.key, j.state) for j in jobs] == [
        (f"{PURGE_JOB}:{today.isoformat()}", "done"),
        (f"{PURGE_JOB}:{(today + timedelta(days=1)).isoformat()}", "queued"),
    ]


async def test_no_retention_setting_schedules_nothing(settings: Settings) -> None:
    app = create_app(settings)
    async with running_app(app), app.state.hub.read() as session:
        jobs = (await session.execute(select(OutboxJob))).scalars().all()
    assert jobs == []


async def test_old_terminal_acks_and_finished_webhook_deliveries_are_pruned(hub: Hub) -> None:
    old = utcnow() - timedelta(days=31)
    async with hub.uow() as uow:
        terminal, _ = await create_terminal(uow, "S1", "till")
        endpoint = WebhookEndpoint(url="https://hooks.example/x", secret="s", events=["*"])
        uow.session.add(endpoint)
        await uow.session.flush()
        card = {"type": "ack", "ok": True, "customer": {"id": 1, "name": "Dana"}}
        uow.session.add_all(
            [
                TerminalFrame(
                    terminal_id=terminal.id, frame_id="old", type="lookup", ack=card, created_at=old
                ),
                TerminalFrame(terminal_id=terminal.id, frame_id="new", type="lookup", ack=card),
            ]
        )
        for state, created in (
            ("delivered", old),
            ("failed", old),
            ("pending", old),
            ("delivered", utcnow()),
        ):
            uow.session.add(
                WebhookDelivery(
                    endpoint_id=endpoint.id,
                    event="message.created",
                    event_uid=f"{state}-{created.isoformat()}",
                    payload={"body": "hi"},
                    state=state,
                    created_at=created,
                )
            )
    async with hub.uow() as uow:
        assert await prune_delivery_logs(uow, 30) == (1, 2)
    async with hub.read() as db:
        frames = (await db.execute(select(TerminalFrame.frame_id))).scalars().all()
        states = sorted((await db.execute(select(WebhookDelivery.state))).scalars().all())
    assert frames == ["new"]
    assert states == ["delivered", "pending"]  # the recent one, and one still in flight
