"""Secrets never reach the log: a real ``hub serve`` process, its whole output captured.

Requests carry a valid API token, wrong ones, Twilio signatures (right and wrong),
a console password and the session cookie; the process's stdout/stderr (uvicorn's
access log included) must contain none of them, nor the configured secrets.
"""

from __future__ import annotations

from pathlib import Path

import httpx

from connectors.twilio.signatures import SIGNATURE_HEADER, sign
from tests.conftest import TEST_SECRET, TWILIO_TEST_TOKEN
from tests.hub.web.console.conftest import csrf_of
from tests.reliability.conftest import HubProcess

PASSWORD = "hunter2-correct-horse-battery"


async def test_tokens_signatures_passwords_and_keys_are_never_logged(
    sqlite_url: str, tmp_path: Path
) -> None:
    hub = HubProcess(sqlite_url, tmp_path, "http://127.0.0.1:9", HUB_LOG_LEVEL="DEBUG")
    token = (await hub.run("create-api-token", "logs")).split()[-1]
    wrong_token = token[:-6] + "zzzzzz"
    params = {
        "MessageSid": "SM" + "f" * 32,
        "From": "+15550100555",
        "To": "+15550001111",
        "Body": "my card is on file",
    }
    signature = sign(TWILIO_TEST_TOKEN, hub.url + "/twilio/sms", params)
    wrong_signature = sign("not-the-token", hub.url + "/twilio/sms", params)
    await hub.start()
    try:
        async with httpx.AsyncClient(base_url=hub.url, timeout=5) as client:
            for bearer in (token, wrong_token):
                await client.get(
                    "/api/v1/customers",
                    params={"q": "x"},
                    headers={"Authorization": f"Bearer {bearer}"},
                )
            for sig in (signature, wrong_signature):
                await client.post("/twilio/sms", data=params, headers={SIGNATURE_HEADER: sig})
            login = await client.get("/login")
            await client.post(
                "/login",
                data={
                    "email": "nobody@example.com",
                    "password": PASSWORD,
                    "csrf": csrf_of(login.text),
                },
            )
            cookie = client.cookies.get("hub_session") or ""
    finally:
        await hub.stop()
    log = hub.log_path.read_text(errors="replace")
    assert "/api/v1/customers" in log and "/twilio/sms" in log, log[-2000:]
    secrets = {
        "API token": token,
        "API token secret": token.rsplit("_", 1)[-1],
        "wrong API token": wrong_token,
        "Twilio signature": signature,
        "wrong Twilio signature": wrong_signature,
        "password": PASSWORD,
        "Twilio auth token": TWILIO_TEST_TOKEN,
        "secret key": TEST_SECRET,
    }
    if cookie:
        secrets["session cookie"] = cookie
    leaked = [name for name, value in secrets.items() if value and value in log]
    assert not leaked, leaked
