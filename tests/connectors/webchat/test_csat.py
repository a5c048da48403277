"""CSAT in the widget: a ``csat`` event after resolve, answered with a ``csat`` call."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from hub.actions.threads import set_thread_status
from hub.core import Hub
from hub.models import CsatSurvey, Thread
from hub.settings import Settings
from tests.conftest import LiveServer, make_settings
from tests.connectors.webchat.conftest import WIDGET_SECRET


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    return make_settings(db_url, tmp_path, widget_secret=WIDGET_SECRET, csat_surveys=True)


async def resolve(hub: Hub, customer_id: int) -> None:
    async with hub.uow() as uow:
        await set_thread_status(uow, customer_id, "resolved")


async def surveys(hub: Hub) -> list[CsatSurvey]:
    async with hub.read() as db:
        return list((await db.execute(select(CsatSurvey).order_by(CsatSurvey.id))).scalars())


async def test_rating_after_resolve_reaches_every_tab_and_counts_once(
    server: LiveServer, visitors: Callable[..., Any]
) -> None:
    tab, session = await visitors(server.url)
    customer_id = (await tab.send("My parcel is late"))["customer_id"]
    await resolve(server.hub, customer_id)

    asked = await tab.next("csat")
    [survey] = await surveys(server.hub)
    assert asked == {
        "id": survey.question_event_id,
        "survey_id": survey.id,
        "question": "How did we do?",
        "scale": [1, 5],
        "answered": False,
        "score": None,
        "created_at": asked["created_at"],
    }
    assert tab.queues["message"].empty()  # the rating control, not the SMS text

    # A tab opened later sees the pending survey in its session; the question's
    # history entry is marked so the widget does not show the "reply 1-5" text.
    other, later = await visitors(server.url, {"visitor_token": session["visitor_token"]})
    assert later["csat"]["survey_id"] == survey.id
    assert later["messages"][-1]["csat"] == {"survey_id": survey.id}

    ack = await tab.call("csat", {"score": 4, "survey_id": survey.id})
    assert ack == {"ok": True, "survey_id": survey.id, "score": 4}
    assert await other.next("csat") == {"survey_id": survey.id, "answered": True, "score": 4}
    # Replayed, or answered again from the other tab: the first answer stands.
    assert await tab.call("csat", {"score": 4, "survey_id": survey.id}) == ack
    assert await other.call("csat", {"score": 1, "survey_id": survey.id}) == ack

    [answered] = await surveys(server.hub)
    assert (answered.state, answered.score, answered.answer_channel) == ("answered", 4, "webchat")
    async with server.hub.read() as db:
        thread = (await db.execute(select(Thread))).scalar_one()
    assert thread.status == "resolved"  # rating does not re-open the conversation
    _, fresh = await visitors(server.url, {"visitor_token": session["visitor_token"]})
    assert fresh["csat"] is None


async def test_ratings_are_validated_and_private(
    server: LiveServer, visitors: Callable[..., Any]
) -> None:
    stranger, _ = await visitors(server.url)
    assert (await stranger.call("csat", {"score": 5, "client_id": "r1"}))["error"] == (
        "no_conversation"
    )
    owner, _ = await visitors(server.url)
    customer_id = (await owner.send("Hi"))["customer_id"]
    await resolve(server.hub, customer_id)
    survey_id = (await owner.next("csat"))["survey_id"]

    await stranger.send("Me too")
    for bad, code in [
        ({"score": 6, "survey_id": survey_id}, "invalid_score"),
        ({"score": True, "survey_id": survey_id}, "invalid_score"),
        ({"score": 3}, "invalid_client_id"),
        ({"score": 3, "survey_id": "1"}, "invalid"),
        ({"score": 3, "survey_id": survey_id}, "not_found"),  # someone else's survey
    ]:
        assert (await stranger.call("csat", bad))["error"] == code
    assert [s.state for s in await surveys(server.hub)] == ["pending"]

    # Without a survey id the rating is keyed by the client id (replays count once).
    first = await owner.call("csat", {"score": 2, "client_id": "rating-1"})
    assert first["ok"] and first["survey_id"] == survey_id
    assert await owner.call("csat", {"score": 2, "client_id": "rating-1"}) == first
    assert [(s.state, s.score) for s in await surveys(server.hub)] == [("answered", 2)]
