"""SMS pumping through the widget, as a bot would try it (widget socket, both engines):
a fresh anonymous visitor per request (so per-visitor limits never bite), codes to
foreign numbers, to one number again and again, from one address, and past the hub's
hourly budget. Every refused request sends nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import func, select

from connectors.webchat.limits import RateLimiter
from hub.models import Event
from hub.settings import Settings
from tests.conftest import LiveServer, live_server
from tests.connectors.webchat.conftest import visitors  # noqa: F401 (fixture)


@pytest.fixture
async def hub_server(settings: Settings) -> AsyncIterator[LiveServer]:
    """A live hub whose outbox is off (the texts are committed, nothing leaves), with
    small budgets so the test stays short."""
    tight = settings.with_(sms_per_client_hour=5)
    async with live_server(tight, run_outbox=False) as live:
        yield live


async def texts_sent(live: LiveServer) -> int:
    async with live.hub.read() as db:
        query = select(func.count()).select_from(Event).where(Event.direction == "out")
        return int(await db.scalar(query) or 0)


async def ask_code(url: str, visitors: Any, number: str) -> dict[str, Any]:  # noqa: F811
    """A brand-new anonymous visitor asks for a code to ``number``."""
    visitor, _ = await visitors(url)
    try:
        answer: dict[str, Any] = await visitor.call("verify", {"kind": "phone", "address": number})
    finally:
        await visitor.close()
    return answer


async def test_codes_to_other_countries_are_refused(
    hub_server: LiveServer,
    visitors: Any,  # noqa: F811
) -> None:
    for number in ("+447700900123", "+882351234567", "+23276123456"):  # UK, satellite, SL
        answer = await ask_code(hub_server.url, visitors, number)
        assert answer["ok"] is False and answer["error"] == "country_not_allowed", answer
    assert await texts_sent(hub_server) == 0


async def test_one_address_cannot_pump_many_numbers(
    hub_server: LiveServer,
    visitors: Any,  # noqa: F811
) -> None:
    numbers = [f"+1555010{n:04d}" for n in range(7)]
    answers = [await ask_code(hub_server.url, visitors, n) for n in numbers]
    assert [a["ok"] for a in answers] == [True] * 5 + [False, False], answers
    assert {a["error"] for a in answers[5:]} == {"rate_limited"}
    assert await texts_sent(hub_server) == 5


async def test_the_hub_has_an_hourly_budget_whoever_asks(
    settings: Settings,
    visitors: Any,  # noqa: F811
) -> None:
    """Many client addresses (a botnet): the per-address limit never bites, the hub's
    hourly budget does."""
    loose = settings.with_(sms_per_client_hour=1000, sms_hourly_budget=3)
    async with live_server(loose, run_outbox=False) as live:
        answers = [await ask_code(live.url, visitors, f"+1555020{n:04d}") for n in range(5)]
        assert [a["ok"] for a in answers] == [True, True, True, False, False]
        assert answers[3]["error"] == "rate_limited"
        assert await texts_sent(live) == 3


async def test_one_number_gets_at_most_three_texts_an_hour(
    hub_server: LiveServer,
    visitors: Any,  # noqa: F811
) -> None:
    """Even with the widget's per-visitor limit out of the way, one number receives at
    most three codes or handoff texts in an hour."""
    widget = hub_server.app.state.sio.namespace_handlers["/widget"]
    widget.limits.visitor_verifications = RateLimiter(burst=100, per_second=10)
    visitor, _ = await visitors(hub_server.url)
    answers = [
        await visitor.call("verify", {"kind": "phone", "address": "+15550107070"}) for _ in range(5)
    ]
    await visitor.close()
    assert [a["ok"] for a in answers] == [True, True, True, False, False]
    assert answers[3]["error"] == "rate_limited"
    assert await texts_sent(hub_server) == 3
