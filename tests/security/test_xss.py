"""XSS payloads in every field the console renders come back as text, over HTTP.

Customer names, details, message bodies, notes, order items and numbers, store and
terminal names, agent names, API token names and audit entries all hold a payload;
no HTML page the console serves may contain it unescaped. (A browser test of message
bodies arriving live is ``tests/browser/test_console.py``.)
"""

from __future__ import annotations

from typing import Any

from markupsafe import escape

from hub.actions.inbound import receive_inbound
from hub.actions.orders import ItemInput, OrderInput, upsert_order
from hub.actions.staff import create_api_token, create_store, create_terminal
from hub.actions.threads import add_note
from hub.core import Hub
from hub.types import Inbound
from tests.hub.web.console.conftest import SignedIn, make_agent
from tests.security.conftest import XSS

DANGEROUS = ("<script>alert", "<img src=x onerror", "</script><img")


async def seed(core: Hub) -> int:
    """A customer and staff with the payload in every rendered field; the customer id."""
    await make_agent(core, "xss@example.com", name=XSS)
    async with core.uow() as uow:
        received = await receive_inbound(
            uow,
            Inbound(
                channel="sms",
                kind="phone",
                address="+15550100444",
                body="body " + XSS,
                provider_id="SM" + "e" * 32,
                name="name " + XSS,
                details={"reason": "detail " + XSS, "address": "addr " + XSS},
            ),
        )
        customer_id = received.customer.id
        await add_note(uow, customer_id, "note " + XSS)
        await create_store(uow, "XSS1", "store " + XSS, address="street " + XSS)
        await create_terminal(uow, "XSS1", "terminal " + XSS, role="kiosk")
        await create_api_token(uow, "token " + XSS)
        await upsert_order(
            uow,
            OrderInput(
                external_id="xss-1",
                customer_id=customer_id,
                number="N" + XSS[:20],
                store_code="XSS1",
                pickup_location="pickup " + XSS,
                items=(ItemInput("item " + XSS, 1, 100, sku="sku" + XSS[:10]),),
            ),
        )
    return customer_id


async def test_payloads_in_every_rendered_field_are_escaped(
    app: Any, core: Hub, admin: SignedIn
) -> None:
    customer_id = await seed(core)
    pages = [
        "/",
        f"/customers/{customer_id}",
        "/admin/agents",
        "/admin/stores",
        "/admin/tokens",
        "/audit",
    ]
    expected = {
        f"/customers/{customer_id}": [
            "name " + XSS,
            "body " + XSS,
            "detail " + XSS,
            "note " + XSS,
            "item " + XSS,
        ],
        "/admin/agents": [XSS],
        "/admin/stores": ["store " + XSS, "terminal " + XSS],
        "/admin/tokens": ["token " + XSS],
        "/": ["name " + XSS],
    }
    for path in pages:
        response = await admin.client.get(path)
        assert response.status_code == 200, path
        assert response.headers["content-type"].startswith("text/html"), path
        for fragment in DANGEROUS:
            assert fragment not in response.text, (path, fragment)
        for text in expected.get(path, []):
            assert str(escape(text)) in response.text, (path, text)
