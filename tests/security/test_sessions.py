"""Server-side console sessions, tried as someone holding a copied cookie would: logout,
password change, deactivation and "sign out everywhere" end them at once, on HTTP and
on the ``/agent`` socket (also when the revocation happens in another hub process);
``/agent`` opens only from the console's own origin; the browser phone's webhook
refuses deactivated agents; every browser route answers 401 without a session and 403
without the CSRF token (both engines)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
import socketio

from connectors.twilio.signatures import SIGNATURE_HEADER, sign
from hub.actions.staff import set_agent_active
from hub.core import Hub
from hub.settings import Settings
from tests.conftest import LiveServer, live_server
from tests.hub.web.console.conftest import PASSWORD, csrf_of, make_agent, sign_in

SHOP = "https://shop.example"


@asynccontextmanager
async def browser(base_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=base_url, timeout=10) as client:
        yield client


async def signed_in(client: httpx.AsyncClient, email: str, password: str = PASSWORD) -> str:
    """Sign ``client`` in through ``/login``; returns the session's CSRF token."""
    assert (await sign_in(client, email, password)).status_code == 303
    return csrf_of((await client.get("/")).text)


def cookie_of(client: httpx.AsyncClient) -> str:
    return f"hub_session={client.cookies['hub_session']}"


class AgentSocket:
    def __init__(self) -> None:
        self.client = socketio.AsyncClient(reconnection=False)
        self.gone = asyncio.Event()
        self.client.on("disconnect", self._gone, namespace="/agent")

    async def _gone(self, *args: Any) -> None:
        self.gone.set()

    async def connect(self, url: str, cookie: str, origin: str | None = None) -> None:
        await self.client.connect(
            url,
            namespaces=["/agent"],
            transports=["websocket"],
            headers={"Cookie": cookie, "Origin": origin or url},
            wait_timeout=5,
        )

    async def close(self) -> None:
        await self.client.disconnect()


async def test_logout_ends_the_session_for_a_copied_cookie(app: Any, core: Hub) -> None:
    await make_agent(core, "ann@example.com")
    transport = httpx.ASGITransport(app=app)
    async with (
        httpx.AsyncClient(transport=transport, base_url="http://testserver") as ann,
        httpx.AsyncClient(transport=transport, base_url="http://testserver") as thief,
    ):
        csrf = await signed_in(ann, "ann@example.com")
        thief.headers["Cookie"] = cookie_of(ann)
        assert (await thief.get("/")).status_code == 200  # the copy works... until logout
        assert (await ann.post("/logout", data={"csrf": csrf})).status_code == 303
        assert (await thief.get("/")).status_code == 303
        assert (await thief.get("/phone/queue")).status_code == 401
        refused = await thief.post("/logout", data={"csrf": csrf})
        assert refused.status_code == 303 and refused.headers["location"].startswith("/login")


async def test_password_change_signs_out_every_other_browser(app: Any, core: Hub) -> None:
    await make_agent(core, "ann@example.com")
    transport = httpx.ASGITransport(app=app)
    async with (
        httpx.AsyncClient(transport=transport, base_url="http://testserver") as desk,
        httpx.AsyncClient(transport=transport, base_url="http://testserver") as laptop,
    ):
        csrf = await signed_in(desk, "ann@example.com")
        await signed_in(laptop, "ann@example.com")
        wrong = await desk.post(
            "/account/password", data={"csrf": csrf, "current": "nope", "new": "a new secret 1"}
        )
        assert wrong.status_code == 422 and (await laptop.get("/")).status_code == 200
        changed = await desk.post(
            "/account/password",
            data={"csrf": csrf, "current": PASSWORD, "new": "a new secret 1"},
        )
        assert changed.status_code == 303
        assert (await laptop.get("/")).status_code == 303  # signed out at once
        assert (await desk.get("/")).status_code == 200  # the browser that changed it stays
        assert (await sign_in(laptop, "ann@example.com")).status_code == 401
        assert (await sign_in(laptop, "ann@example.com", "a new secret 1")).status_code == 303


@pytest.mark.parametrize("how", ["sign_out_everywhere", "deactivate"])
async def test_revocation_disconnects_the_agents_sockets(settings: Settings, how: str) -> None:
    async with live_server(settings, run_outbox=False) as live:
        await make_agent(live.hub, "boss@example.com", role="admin", name="Boss")
        ann = await make_agent(live.hub, "ann@example.com")
        async with browser(live.url) as boss_browser, browser(live.url) as ann_browser:
            boss_csrf = await signed_in(boss_browser, "boss@example.com")
            await signed_in(ann_browser, "ann@example.com")
            socket = AgentSocket()
            await socket.connect(live.url, cookie_of(ann_browser))
            try:
                path = (
                    f"/admin/agents/{ann.id}/sessions/revoke"
                    if how == "sign_out_everywhere"
                    else f"/admin/agents/{ann.id}/active"
                )
                data = {"csrf": boss_csrf, "active": "0"}
                assert (await boss_browser.post(path, data=data)).status_code == 303
                await asyncio.wait_for(socket.gone.wait(), 10)
            finally:
                await socket.close()
            assert (await ann_browser.get("/")).status_code == 303
            again = AgentSocket()
            with pytest.raises(socketio.exceptions.ConnectionError):
                await again.connect(live.url, cookie_of(ann_browser))
            await again.close()


async def test_revocation_in_another_process_disconnects_within_seconds(
    settings: Settings,
) -> None:
    """Two hub processes on one database: Ann's socket is on B, the admin signs her out
    on A; B notices in its next sweep."""
    async with (
        live_server(settings, run_outbox=False) as a,
        live_server(settings, run_outbox=False) as b,
    ):
        await make_agent(a.hub, "boss@example.com", role="admin", name="Boss")
        ann = await make_agent(a.hub, "ann@example.com")
        async with browser(a.url) as boss_browser, browser(b.url) as ann_browser:
            boss_csrf = await signed_in(boss_browser, "boss@example.com")
            await signed_in(ann_browser, "ann@example.com")
            socket = AgentSocket()
            await socket.connect(b.url, cookie_of(ann_browser))
            try:
                revoke = await boss_browser.post(
                    f"/admin/agents/{ann.id}/sessions/revoke", data={"csrf": boss_csrf}
                )
                assert revoke.status_code == 303
                await asyncio.wait_for(socket.gone.wait(), 10)
            finally:
                await socket.close()


async def test_agent_namespace_accepts_only_the_console_origin(settings: Settings) -> None:
    """The shop's site may embed the widget, but a script there riding an agent's
    cookie into ``/agent`` is refused."""
    async with live_server(settings.with_(allowed_origins=(SHOP,)), run_outbox=False) as live:
        await make_agent(live.hub, "ann@example.com")
        async with browser(live.url) as ann:
            await signed_in(ann, "ann@example.com")
            for origin in (SHOP, "https://evil.example", "null"):
                socket = AgentSocket()
                with pytest.raises(socketio.exceptions.ConnectionError):
                    await socket.connect(live.url, cookie_of(ann), origin=origin)
                await socket.close()
            console = AgentSocket()
            await console.connect(live.url, cookie_of(ann))
            assert console.client.connected
            await console.close()


async def test_browser_phone_webhook_refuses_a_deactivated_agent(
    server: LiveServer,
) -> None:
    """Her Voice SDK token lives an hour: after deactivation her browser phone's calls
    (signed by Twilio, so genuine) are hung up on."""
    ann = await make_agent(server.hub, "ann@example.com")
    params = {"CallSid": "CA1", "From": f"client:agent-{ann.id}", "To": "+15557770101"}
    url = server.url + "/twilio/voice/client"
    async with browser(server.url) as twilio:

        async def call() -> str:
            signature = sign(server.settings, url, params)
            response = await twilio.post(url, data=params, headers={SIGNATURE_HEADER: signature})
            assert response.status_code == 200
            return response.text

        assert "<Number>" in await call()
        async with server.hub.uow() as uow:
            await set_agent_active(uow, ann.id, False, actor="test")
        answer = await call()
        assert "<Hangup" in answer and "<Number>" not in answer


BROWSER_JSON_ROUTES = [
    ("GET", "/phone/token"),
    ("GET", "/phone/queue"),
    ("POST", "/phone/calls"),
    ("POST", "/phone/queue/answer"),
    ("POST", "/instore/assists/1/reply"),
    ("GET", "/email/attachments/" + "0" * 64),
]


async def test_every_browser_route_answers_alike(app: Any, core: Hub) -> None:
    """One check: no session → 401 ``login_required``; a session without the CSRF token
    → 403 ``csrf`` (console pages redirect anonymous users to /login instead)."""
    await make_agent(core, "ann@example.com")
    transport = httpx.ASGITransport(app=app)
    async with (
        httpx.AsyncClient(transport=transport, base_url="http://testserver") as anonymous,
        httpx.AsyncClient(transport=transport, base_url="http://testserver") as ann,
    ):
        await signed_in(ann, "ann@example.com")
        for method, path in BROWSER_JSON_ROUTES:
            response = await anonymous.request(method, path, json={})
            assert response.status_code == 401, (method, path)
            assert response.json()["error"]["code"] == "login_required", (method, path)
            if method == "POST":
                refused = await ann.request(method, path, json={})
                assert refused.status_code == 403, (method, path)
                assert refused.json()["error"]["code"] == "csrf", (method, path)
