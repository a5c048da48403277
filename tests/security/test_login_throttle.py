"""Sign-in throttling as an attacker tries it on ``/login`` (both engines): guessing
slows the guesser, never locks the owner out, and no answer tells an unknown email
from a wrong password or a throttled one."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx

from hub.core import Hub
from hub.counters import MemoryCounter
from hub.web.console.login import FAILED
from hub.web.throttle import ACCOUNT_LIMIT, ADDRESS_LIMIT, PAIR_LIMIT
from tests.hub.web.console.conftest import PASSWORD, csrf_of, make_agent, sign_in


@asynccontextmanager
async def browser(app: Any, ip: str) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, client=(ip, 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


def refusal(response: httpx.Response) -> tuple[int, bool]:
    return response.status_code, FAILED in response.text


async def test_guessing_throttles_the_guesser_never_the_owner(app: Any, core: Hub) -> None:
    await make_agent(core, "ann@example.com")
    async with browser(app, "203.0.113.7") as mallory:
        unknown = await sign_in(mallory, "nobody@example.com", "guess")
        for n in range(PAIR_LIMIT):
            wrong = await sign_in(mallory, "ann@example.com", f"guess {n}")
            # Unknown and wrong: the same status and the same words.
            assert refusal(wrong) == refusal(unknown) == (401, True)
        # The guesser now gets the same answer even with the right password...
        throttled = await sign_in(mallory, "ann@example.com", PASSWORD)
        assert refusal(throttled) == (401, True)
        assert (await mallory.get("/")).status_code == 303
    # ...and the owner, from their own address, signs in at once: no lock-out.
    async with browser(app, "198.51.100.20") as ann:
        assert (await sign_in(ann, "ann@example.com")).status_code == 303
        assert (await ann.get("/")).status_code == 200


async def test_spraying_many_accounts_from_one_address_is_refused(app: Any, core: Hub) -> None:
    await make_agent(core, "ann@example.com")
    async with browser(app, "203.0.113.8") as mallory:
        for n in range(ADDRESS_LIMIT):
            assert (
                await sign_in(mallory, f"user{n}@example.com", "Winter2026!")
            ).status_code == 401
        refused = await sign_in(mallory, "ann@example.com", PASSWORD)
        assert refusal(refused) == (401, True) and "retry-after" not in refused.headers


async def test_a_botnet_on_one_account_cannot_keep_its_owner_out(app: Any, core: Hub) -> None:
    await make_agent(core, "ann@example.com")
    async with browser(app, "198.51.100.20") as ann:  # Ann signed in from here before
        assert (await sign_in(ann, "ann@example.com")).status_code == 303
        await ann.post("/logout", data={"csrf": csrf_of((await ann.get("/")).text)})
        for n in range(ACCOUNT_LIMIT):  # one guess from each of many addresses
            async with browser(app, f"192.0.2.{n + 1}") as bot:
                assert (await sign_in(bot, "ann@example.com", f"guess {n}")).status_code == 401
        # A new browser is refused with the one answer, even with the right password...
        async with browser(app, "192.0.2.200") as stranger:
            assert refusal(await sign_in(stranger, "ann@example.com", PASSWORD)) == (401, True)
        # ...while Ann's own browser (its known-device cookie) still gets in.
        assert (await sign_in(ann, "ann@example.com")).status_code == 303


async def test_counts_slide_out_of_the_window() -> None:
    now = [1000.0]
    counter = MemoryCounter(clock=lambda: now[0])
    for _ in range(3):
        await counter.hit("k", 60)
    assert await counter.count("k", 60) == 3
    now[0] += 30
    assert await counter.hit("k", 60) == 4
    now[0] += 31  # the first three are older than a minute
    assert await counter.count("k", 60) == 1
