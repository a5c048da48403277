"""Widget visitor tokens expire and rotate: a token lifted from an abandoned browser
(older than ``HUB_VISITOR_TOKEN_DAYS``) no longer opens that visitor's history, and a
visitor who keeps coming back keeps it, with a new token each time (widget socket,
both engines)."""

from __future__ import annotations

import time
from typing import Any

from connectors.webchat.identity import VisitorTokens
from tests.conftest import TEST_SECRET, LiveServer
from tests.connectors.webchat.conftest import visitors  # noqa: F401 (fixture)

DAY = 86400.0


async def test_old_tokens_expire_and_every_connect_rotates_the_token(
    server: LiveServer,
    visitors: Any,  # noqa: F811
) -> None:
    alice, first = await visitors(server.url)
    assert (await alice.send("my order 1234 is late"))["ok"]
    await alice.close()
    visitor_id = VisitorTokens(TEST_SECRET).read(first["visitor_token"])
    assert visitor_id is not None

    # Back 89 days later (the token was signed then): same history, a new token.
    aged = VisitorTokens(TEST_SECRET, clock=lambda: time.time() - 89 * DAY)
    back, session = await visitors(server.url, auth={"visitor_token": aged.token_for(visitor_id)})
    assert [m["body"] for m in session["messages"]] == ["my order 1234 is late"]
    assert session["visitor_token"] != first["visitor_token"]
    assert VisitorTokens(TEST_SECRET).read(session["visitor_token"]) == visitor_id
    await back.close()

    # The same visitor's token signed 91 days ago (copied from a shared computer): a
    # fresh anonymous visitor, nothing of Alice's.
    stale = VisitorTokens(TEST_SECRET, clock=lambda: time.time() - 91 * DAY)
    thief, stolen = await visitors(server.url, auth={"visitor_token": stale.token_for(visitor_id)})
    assert stolen["messages"] == [] and stolen["customer_id"] is None
    assert VisitorTokens(TEST_SECRET).read(stolen["visitor_token"]) != visitor_id
    await thief.close()
