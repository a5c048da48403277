"""The development mail tools: ``hub simulate email`` writes to the hub's SMTP
receiver, and the mail catcher lists what the hub sent."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from hub.actions.replies import send_reply
from hub.cli import build_parser, main
from hub.models import Event
from hub.workers.outbox import OutboxWorker
from simulators.mail.app import create_catcher_app
from simulators.mail.sink import MailSink
from tests.connectors.email.support import email_connector


def test_simulate_has_email_and_the_mail_catcher() -> None:
    args = build_parser().parse_args(
        ["simulate", "email", "--from", "ann@example.com", "--subject", "Order", "hi"]
    )
    assert (args.simulation, args.sender, args.subject, args.body) == (
        "email",
        "ann@example.com",
        "Order",
        "hi",
    )
    args = build_parser().parse_args(["simulate", "mail-catcher", "--port", "8097"])
    assert (args.simulation, args.port) == ("mail-catcher", 8097)


async def test_simulate_email_lands_once_per_message_id(
    app: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, sink: MailSink
) -> None:
    receiver = email_connector(app.state.hub).receiver
    assert receiver is not None
    host, port = receiver.address
    monkeypatch.setenv("HUB_SMTP_LISTEN", f"{host}:{port}")
    monkeypatch.setenv("HUB_EMAIL_ADDRESS", "support@shop.example")
    monkeypatch.setenv("HUB_SECRET_KEY", "cli-test-secret")
    monkeypatch.setenv("HUB_VAR_DIR", str(tmp_path / "cli-var"))
    argv = ["simulate", "email", "--from", "ann@example.com", "--subject", "Order 1001"]
    argv += ["--message-id", "sim-1@example.com", "Where is my order?"]
    for _ in range(2):
        assert await asyncio.to_thread(main, argv) == 0
    async with app.state.hub.read() as session:
        (event,) = (await session.execute(select(Event))).scalars()
    assert (event.channel, event.body, event.provider_id) == (
        "email",
        "Where is my order?",
        "sim-1@example.com",
    )
    assert event.data["subject"] == "Order 1001"

    # The agent answers; the catcher's page lists the reply (escaped text only).
    async with app.state.hub.uow() as uow:
        await send_reply(uow, event.customer_id, "It ships <b>today</b>.", channel="email")
    await OutboxWorker(app.state.hub).drain_once()
    transport = httpx.ASGITransport(app=create_catcher_app(sink))
    async with httpx.AsyncClient(transport=transport, base_url="http://catcher") as client:
        page = await client.get("/")
        listed = (await client.get("/messages.json")).json()["items"]
    assert "Re: Order 1001" in page.text
    assert "It ships &lt;b&gt;today&lt;/b&gt;." in page.text
    (item,) = listed
    assert item["rcpt_tos"] == ["ann@example.com"]
    assert item["headers"]["In-Reply-To"] == "<sim-1@example.com>"
