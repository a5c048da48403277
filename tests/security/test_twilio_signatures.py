"""Forged, replayed and re-pointed Twilio signatures on every ``/twilio/*`` webhook."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from connectors.twilio.signatures import SIGNATURE_HEADER, sign
from hub.core import Hub
from hub.models import Event
from hub.settings import Settings
from tests.security.conftest import SMS_PATH, app_routes

PARAMS = {
    "MessageSid": "SM" + "a" * 32,
    "SmsSid": "SM" + "a" * 32,
    "CallSid": "CA" + "b" * 32,
    "AccountSid": "AC" + "0" * 32,
    "From": "+15550100777",
    "To": "+15550001111",
    "Body": "hello",
    "NumMedia": "0",
    "CallStatus": "ringing",
    "MessageStatus": "delivered",
}


def twilio_paths(app: Any) -> list[str]:
    return [path for method, path in app_routes(app) if path.startswith("/twilio/")]


async def events(core: Hub) -> int:
    async with core.read() as session:
        return int((await session.execute(select(func.count()).select_from(Event))).scalar_one())


async def post(
    client: httpx.AsyncClient, path: str, signature: str, **headers: str
) -> httpx.Response:
    return await client.post(path, data=PARAMS, headers={SIGNATURE_HEADER: signature, **headers})


async def test_forged_and_repointed_signatures_are_refused_everywhere(
    app: Any, client: httpx.AsyncClient, settings: Settings, core: Hub
) -> None:
    paths = twilio_paths(app)
    assert len(paths) >= 7
    public = settings.public_url
    for path in paths:
        attempts = {
            "missing": "",
            "garbage": "not-a-signature",
            "other account's token": sign("another-token", public + path, PARAMS),
            "another host": sign(settings, "https://evil.example" + path, PARAMS),
            "another path": sign(
                settings, public + ("/twilio/voice" if path == SMS_PATH else SMS_PATH), PARAMS
            ),
            "other parameters": sign(settings, public + path, {**PARAMS, "Body": "other"}),
            "with a query added": sign(settings, public + path + "?m=1", PARAMS),
        }
        for what, signature in attempts.items():
            response = await post(client, path, signature)
            assert response.status_code == 403, (path, what)
    assert await events(core) == 0


async def test_the_host_header_cannot_repoint_the_signed_url(
    app: Any, settings: Settings, core: Hub
) -> None:
    """Behind a proxy the Host header is the attacker's: the URL checked is always
    ``HUB_PUBLIC_URL``, so a signature over the attacker's host does not verify."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://evil.example") as evil:
        forged = sign(settings, "http://evil.example" + SMS_PATH, PARAMS)
        response = await post(evil, SMS_PATH, forged)
        assert response.status_code == 403
        proxied = await post(evil, SMS_PATH, forged, **{"X-Forwarded-Host": "evil.example"})
        assert proxied.status_code == 403
    assert await events(core) == 0


@pytest.mark.parametrize("times", [5])
async def test_replays_store_once_and_altered_replays_are_refused(
    client: httpx.AsyncClient, settings: Settings, core: Hub, times: int
) -> None:
    signature = sign(settings, settings.public_url + SMS_PATH, PARAMS)
    for _ in range(times):
        assert (await post(client, SMS_PATH, signature)).status_code == 200
    assert await events(core) == 1
    # The captured signature with another body, sender or MessageSid: refused.
    for change in (
        {"Body": "send me a refund"},
        {"From": "+15550100999"},
        {"MessageSid": "SM" + "c" * 32},
    ):
        response = await client.post(
            SMS_PATH, data={**PARAMS, **change}, headers={SIGNATURE_HEADER: signature}
        )
        assert response.status_code == 403, change
    assert await events(core) == 1
