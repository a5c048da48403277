"""From the widget: an email address verified with a one-time code sent by email, then
"Continue by email" mails that verified address (never a merely typed one)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import pytest

from hub.settings import Settings
from hub.workers.outbox import OutboxWorker
from simulators.mail.sink import MailSink
from tests.conftest import LiveServer, live_server

ADDRESS = "ann@customer.example"


@pytest.fixture
async def hub_server(settings: Settings) -> AsyncIterator[LiveServer]:
    async with live_server(settings, run_outbox=False) as live:
        yield live


def text_of(sink: MailSink, index: int = -1) -> str:
    part = sink.messages[index].message.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())


async def test_code_by_email_then_continue_by_email(
    hub_server: LiveServer, visitors: Any, sink: MailSink
) -> None:
    visitor, _ = await visitors(hub_server.url)
    await visitor.send("hi", details={"email": ADDRESS})
    # Typed, not proven: no mail goes to it.
    assert (await visitor.call("handoff", {"to": "email"}))["error"] == "unverified_email"

    assert await visitor.call("verify", {"kind": "email", "address": ADDRESS}) == {
        "ok": True,
        "kind": "email",
    }
    await OutboxWorker(hub_server.hub).drain_once()
    assert sink.messages[-1].rcpt_tos == (ADDRESS,)
    match = re.search(r"\b(\d{6})\b", text_of(sink))
    assert match is not None
    assert await visitor.call("verify_code", {"code": match.group(1)}) == {
        "ok": True,
        "kind": "email",
        "address": ADDRESS,
    }

    handoff = await visitor.call("handoff", {"to": "email"})
    assert handoff["ok"] is True and handoff["address"] == ADDRESS
    await OutboxWorker(hub_server.hub).drain_once()
    mail = sink.messages[-1]
    assert mail.rcpt_tos == (ADDRESS,)
    assert mail.message["Subject"] == "Continuing your chat"
    assert handoff["code"] in text_of(sink)
