"""Business hours in the widget: the ``hours`` payload and the out-of-hours auto-reply."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from hub.core import Hub
from hub.models import Event
from tests.conftest import LiveServer
from tests.hub.policies.hours_support import closed_day, closed_now, open_all_week


async def auto_replies(hub: Hub) -> list[Event]:
    async with hub.read() as db:
        result = await db.execute(select(Event).where(Event.direction == "out"))
        return [e for e in result.scalars() if e.data.get("via") == "auto"]


async def test_no_schedule_means_no_hours_and_no_auto_reply(
    server: LiveServer, visitors: Any
) -> None:
    visitor, session = await visitors(server.url)
    assert session["hours"] is None and session["csat"] is None
    assert (await visitor.send("Hello"))["ok"]
    assert (await visitor.call("status", {}))["hours"] is None
    assert await auto_replies(server.hub) == []


async def test_open_hours_say_how_soon_we_reply(server: LiveServer, visitors: Any) -> None:
    await open_all_week(server.hub, reply_minutes=7)
    visitor, session = await visitors(server.url)
    expected = {"open": True, "reply_minutes": 7, "next_opening": None, "timezone": "UTC"}
    assert session["hours"] == expected
    assert (await visitor.call("status", {}))["hours"] == expected
    assert (await visitor.send("Hello"))["ok"]
    assert await auto_replies(server.hub) == []


async def test_closed_hours_auto_reply_once_per_period(server: LiveServer, visitors: Any) -> None:
    await closed_now(server.hub, reply_minutes=5)
    visitor, session = await visitors(server.url)
    hours = session["hours"]
    assert hours["open"] is False
    opening = datetime.fromisoformat(hours["next_opening"].replace("Z", "+00:00"))
    assert opening.weekday() == closed_day() and (opening.hour, opening.minute) == (9, 0)
    assert hours["reply_minutes"] > 24 * 60  # at least a day away, plus the reply time

    first = await visitor.send("Anyone there?", client_id="c1")
    assert first["ok"]
    reply = await visitor.next("message")
    assert reply["direction"] == "out" and reply["body"].startswith("We're closed, back ")
    [stored] = await auto_replies(server.hub)
    assert stored.id == reply["id"] and stored.channel == "webchat"

    # A resend of the same client id, and a second message in the same closed period,
    # get no second auto-reply (both are committed before their acks).
    assert (await visitor.send("Anyone there?", client_id="c1"))["id"] == first["id"]
    assert (await visitor.send("Hello?", client_id="c2"))["ok"]
    assert len(await auto_replies(server.hub)) == 1
    assert visitor.queues["message"].empty()
