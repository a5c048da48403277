"""Hostile text and malformed bodies on the HTTP surfaces, on both engines.

Policy (docs/security.md): injection strings are data, stored and shown verbatim.
Control characters are stored verbatim (and only ever rendered escaped), except what
no database can store — NUL and lone surrogates: the REST API refuses them (422);
customer channels and console forms store U+FFFD in their place (``hub.safe_text``).
Malformed or non-UTF-8 bodies get a 4xx, never a 5xx.
"""

from __future__ import annotations

import json
import urllib.parse
from typing import Any

import httpx
from markupsafe import escape
from sqlalchemy import func, select

from connectors.twilio.signatures import SIGNATURE_HEADER, sign
from hub.actions.staff import create_terminal
from hub.core import Hub
from hub.models import Customer, Event
from hub.settings import Settings
from tests.hub.web.console.conftest import SignedIn
from tests.security.conftest import INJECTIONS, SMS_PATH

PHONE = "+15550100123"
CONTROLS = "bell\x07 escape\x1b[31m backspace\x08 rtl\u202e tab\t line\nend"


def sms_params(sid: str, body: str) -> dict[str, str]:
    return {
        "MessageSid": "SM" + sid.rjust(32, "0"),
        "AccountSid": "AC" + "0" * 32,
        "From": PHONE,
        "To": "+15550001111",
        "Body": body,
        "NumMedia": "0",
    }


async def text_sms(client: httpx.AsyncClient, settings: Settings, sid: str, body: str) -> int:
    params = sms_params(sid, body)
    signature = sign(settings, settings.public_url + SMS_PATH, params)
    response = await client.post(SMS_PATH, data=params, headers={SIGNATURE_HEADER: signature})
    return response.status_code


async def bodies(core: Hub) -> list[str]:
    async with core.read() as session:
        return [b for b in (await session.execute(select(Event.body))).scalars() if b]


async def customer_id(core: Hub) -> int:
    async with core.read() as session:
        return int((await session.execute(select(func.min(Customer.id)))).scalar_one())


async def test_injection_strings_are_stored_and_shown_verbatim(
    client: httpx.AsyncClient, settings: Settings, core: Hub, api_token: str, admin: SignedIn
) -> None:
    auth = {"Authorization": f"Bearer {api_token}"}
    for n, text in enumerate(INJECTIONS):
        assert await text_sms(client, settings, str(n), text) == 200
    cid = await customer_id(core)
    for n, text in enumerate(INJECTIONS):
        note = await client.post(
            f"/api/v1/customers/{cid}/notes", json={"body": "note " + text}, headers=auth
        )
        assert note.status_code == 201, note.text
        detail = await client.post(
            f"/api/v1/customers/{cid}/details",
            json={"key": f"reason_{n}", "value": text},
            headers=auth,
        )
        assert detail.status_code == 201, detail.text
    order = await client.post(
        "/api/v1/orders",
        json={
            "external_id": INJECTIONS[0],
            "phone": PHONE,
            "items": [{"name": t} for t in INJECTIONS],
        },
        headers=auth,
    )
    assert order.status_code in (200, 201), order.text

    timeline = (await client.get(f"/api/v1/customers/{cid}/timeline", headers=auth)).json()
    shown = {event["body"] for event in timeline["items"]}
    assert set(INJECTIONS) <= shown and {"note " + t for t in INJECTIONS} <= shown
    card = (await client.get(f"/api/v1/customers/{cid}", headers=auth)).json()
    assert set(INJECTIONS) <= {d["value"] for d in card["details"]}
    assert set(INJECTIONS) <= {i["name"] for o in card["orders"] for i in o["items"]}
    async with core.read() as session:  # the tables are all still there
        assert (await session.execute(select(func.count()).select_from(Customer))).scalar() == 1

    page = await admin.client.get(f"/customers/{cid}")
    assert page.status_code == 200
    for text in INJECTIONS:
        assert str(escape(text)) in page.text, text
    assert "{{7*7}}" in page.text and "{% raw %}" in page.text


async def test_control_characters_follow_one_policy_on_every_surface(
    client: httpx.AsyncClient, settings: Settings, core: Hub, api_token: str, admin: SignedIn
) -> None:
    auth = {"Authorization": f"Bearer {api_token}"}
    assert await text_sms(client, settings, "1", CONTROLS) == 200
    assert await text_sms(client, settings, "2", "nul\x00 here") == 200
    cid = await customer_id(core)
    # The REST API refuses what it cannot store, and says so.
    for bad in ("nul\x00", "lone \ud800 surrogate"):
        refused = await client.post(
            f"/api/v1/customers/{cid}/notes",
            content=json.dumps({"body": bad}),
            headers={**auth, "content-type": "application/json"},
        )
        assert refused.status_code == 422, refused.text
    api_note = await client.post(
        f"/api/v1/customers/{cid}/notes", json={"body": "api " + CONTROLS}, headers=auth
    )
    assert api_note.status_code == 201
    # A console form and a store terminal: stored, NUL replaced.
    form = await admin.client.post(
        f"/customers/{cid}/note", data={"csrf": admin.csrf, "body": "console nul\x00 " + CONTROLS}
    )
    assert form.status_code in (200, 303), form.status_code
    async with core.uow() as uow:
        _, key = await create_terminal(uow, "S1", "till", role="associate")
    frame = await client.post(
        "/instore/v1/note",
        content=json.dumps(
            {"id": "n1", "customer_id": cid, "body": "store nul\x00 \ud800 " + CONTROLS}
        ),
        headers={"Authorization": f"Bearer {key}", "content-type": "application/json"},
    )
    assert frame.status_code == 200 and frame.json()["ok"], frame.text

    stored = await bodies(core)
    assert CONTROLS in stored and "api " + CONTROLS in stored
    assert "nul\ufffd here" in stored
    assert "console nul\ufffd " + CONTROLS in stored
    assert "store nul\ufffd \ufffd " + CONTROLS in stored
    assert not any("\x00" in body for body in stored)
    page = await admin.client.get(f"/customers/{cid}")
    assert page.status_code == 200 and "\x00" not in page.text


async def test_invalid_utf8_in_a_signed_webhook_is_stored_with_replacements(
    client: httpx.AsyncClient, settings: Settings, core: Hub
) -> None:
    """Twilio signs the decoded parameters; bytes that are not UTF-8 decode to U+FFFD."""
    params = sms_params("9", "caf\ufffd")
    raw = urllib.parse.urlencode({k: v for k, v in params.items() if k != "Body"}) + "&Body=caf%FF"
    signature = sign(settings, settings.public_url + SMS_PATH, params)
    response = await client.post(
        SMS_PATH,
        content=raw.encode(),
        headers={SIGNATURE_HEADER: signature, "content-type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 200
    assert await bodies(core) == ["caf\ufffd"]


MALFORMED: list[tuple[str, bytes]] = [
    ("application/json", b'{"body": "\xff\xfe"}'),
    ("application/json", b'{"body": "unterminated'),
    ("application/json", b"[" * 5000 + b"]" * 5000),
    ("application/json", b'"just a string"'),
    ("application/json", b"\x00\x01\x02"),
    ("application/x-www-form-urlencoded", b"%ZZ=%&&==&body=\xff\xfe"),
    ("multipart/form-data", b"--nothing\r\n"),
    ("multipart/form-data; boundary=xyz", b"--xyz\r\nContent-Disposition: form-data\r\n\r\n"),
    ("text/plain", b"\xff" * 100),
]


async def test_malformed_and_non_utf8_bodies_get_4xx_everywhere(
    app: Any, client: httpx.AsyncClient, core: Hub, api_token: str, admin: SignedIn
) -> None:
    async with core.uow() as uow:
        _, key = await create_terminal(uow, "S1", "till", role="associate")
    targets: list[tuple[httpx.AsyncClient, str, dict[str, str]]] = [
        (client, "/api/v1/orders", {"Authorization": f"Bearer {api_token}"}),
        (client, "/api/v1/customers/1/notes", {"Authorization": f"Bearer {api_token}"}),
        (client, "/instore/v1/note", {"Authorization": f"Bearer {key}"}),
        (client, "/instore/v1/lookup", {"Authorization": f"Bearer {key}"}),
        (client, SMS_PATH, {SIGNATURE_HEADER: "x"}),
        (client, "/twilio/voice", {SIGNATURE_HEADER: "x"}),
        (admin.client, "/login", {}),
        (admin.client, "/customers/1/note", {"X-CSRF-Token": admin.csrf}),
        (admin.client, "/admin/stores", {"X-CSRF-Token": admin.csrf}),
        (admin.client, "/phone/calls", {"X-CSRF-Token": admin.csrf}),
        (admin.client, "/instore/assists/1/reply", {"X-CSRF-Token": admin.csrf}),
    ]
    for http, path, headers in targets:
        for content_type, body in MALFORMED:
            response = await http.post(
                path, content=body, headers={**headers, "content-type": content_type}
            )
            assert 400 <= response.status_code < 500 or response.status_code in (200, 303), (
                path,
                content_type,
                body[:20],
                response.status_code,
            )
    # Query strings that are not UTF-8 either.
    auth = {"Authorization": f"Bearer {api_token}"}
    for query in ("q=%FF%FE", "phone=%00", "email=%C0%80", "q=" + "%F0" * 300):
        response = await client.get("/api/v1/customers?" + query, headers=auth)
        assert response.status_code < 500, (query, response.status_code)
    for query in ("q=%FF", "status=%00"):
        response = await admin.client.get("/?" + query)
        assert response.status_code < 500, (query, response.status_code)
