"""Thread page additions: CSAT scores, SMS opt-out (badge, refused replies), MMS media,
and the admins' personal-data actions (export, erase) — both engines."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from hub.actions.consent import STOP, apply_consent
from hub.actions.csat import record_csat
from hub.actions.orders import ItemInput, OrderInput, upsert_order
from hub.core import Hub
from hub.models import AuditEntry, Customer, Identity
from hub.queries.thread_view import ORDERS_SHOWN
from tests.hub.web.console.conftest import SignedIn
from tests.hub.web.console.test_thread import cross_channel_customer, inbound


async def test_csat_scores_show_on_the_thread(plain_agent: SignedIn, console_hub: Hub) -> None:
    customer_id = await inbound(console_hub, body="hi", provider_id="SM1")
    page = await plain_agent.client.get(f"/customers/{customer_id}")
    assert "No rating yet." in page.text and "CSAT " not in page.text
    async with console_hub.uow() as uow:
        await record_csat(uow, customer_id, 5, "sms", provider_id="R1")
        await record_csat(uow, customer_id, 2, "webchat", provider_id="R2")
    page = await plain_agent.client.get(f"/customers/{customer_id}")
    assert "3.5 / 5" in page.text and "average of 2 ratings" in page.text
    assert "CSAT 3.5" in page.text
    assert "5 / 5" in page.text and "2 / 5" in page.text and "via webchat" in page.text


async def test_sms_opt_out_badge_and_refused_reply(plain_agent: SignedIn, console_hub: Hub) -> None:
    customer_id = await cross_channel_customer(console_hub)
    async with console_hub.read() as db:
        phone = (await db.execute(select(Identity).where(Identity.kind == "phone"))).scalar_one()
    async with console_hub.uow() as uow:
        await apply_consent(uow, phone.id, STOP)
    page = await plain_agent.client.get(f"/customers/{customer_id}")
    assert "opted out (STOP)" in page.text and "data-opted-out" in page.text
    assert 'value="sms"' not in page.text and 'value="webchat"' in page.text
    assert "SMS replies are disabled" in page.text or "sms replies are disabled" in page.text
    refused = await plain_agent.client.post(
        f"/customers/{customer_id}/reply",
        data={"csrf": plain_agent.csrf, "channel": "sms", "body": "hello?"},
        headers={"Accept": "application/json"},
    )
    assert refused.status_code == 422
    assert refused.json()["error"]["code"] == "opted_out"
    assert "STOP" in refused.json()["error"]["message"]


async def test_mms_media_rows(plain_agent: SignedIn, console_hub: Hub) -> None:
    media = [
        {"url": "https://media.example.com/cat.jpg", "content_type": "image/jpeg"},
        {"url": "https://media.example.com/card.vcf", "content_type": "text/vcard"},
        {"url": "javascript:alert(1)", "content_type": "image/png"},
        {"url": "data:image/png;base64,AAAA", "content_type": "image/png"},
        {"url": 'https://x.example/"><script>', "content_type": "image/gif"},
    ]
    customer_id = await inbound(console_hub, body="look", provider_id="MM1", data={"media": media})
    page = await plain_agent.client.get(f"/customers/{customer_id}")
    assert '<img src="https://media.example.com/cat.jpg" alt="Image attachment 1"' in page.text
    assert 'href="https://media.example.com/card.vcf"' in page.text
    assert "Attachment 2 (text/vcard)" in page.text
    assert "javascript:" not in page.text and "data:image" not in page.text
    assert 'src="https://x.example/&#34;&gt;&lt;script&gt;"' in page.text
    feed = (await plain_agent.client.get(f"/customers/{customer_id}/timeline.json")).json()
    assert feed["items"][0]["data"]["media"][0]["url"].endswith("cat.jpg")


async def test_admin_exports_and_erases_a_customer(admin: SignedIn, console_hub: Hub) -> None:
    customer_id = await cross_channel_customer(console_hub)
    page = await admin.client.get(f"/customers/{customer_id}")
    assert "Export data" in page.text and f"/customers/{customer_id}/erase" in page.text
    export = await admin.client.post(f"/customers/{customer_id}/export", data={"csrf": admin.csrf})
    assert export.status_code == 200
    assert "attachment" in export.headers["content-disposition"]
    data = json.loads(export.text)
    assert data["format"] == "omnihub.customer-export/1"
    assert "Where is order 1042?" in export.text
    confirm = await admin.client.get(f"/customers/{customer_id}/erase")
    assert confirm.status_code == 200 and "cannot be undone" in confirm.text
    unconfirmed = await admin.client.post(
        f"/customers/{customer_id}/erase", data={"csrf": admin.csrf}
    )
    assert unconfirmed.status_code == 303
    async with console_hub.read() as db:
        assert (await db.get(Customer, customer_id)).erased_at is None  # type: ignore[union-attr]
    erased = await admin.client.post(
        f"/customers/{customer_id}/erase", data={"csrf": admin.csrf, "confirm": "erase"}
    )
    assert erased.status_code == 303
    page = await admin.client.get(erased.headers["location"])
    assert "Personal data erased." in page.text and "Where is order 1042?" not in page.text
    async with console_hub.read() as db:
        actions = {(a.action, a.actor) for a in (await db.execute(select(AuditEntry))).scalars()}
    assert ("customer.exported", f"agent:{admin.agent.id}") in actions
    assert ("customer.erased", f"agent:{admin.agent.id}") in actions


async def test_agents_cannot_export_or_erase(plain_agent: SignedIn, console_hub: Hub) -> None:
    customer_id = await cross_channel_customer(console_hub)
    page = await plain_agent.client.get(f"/customers/{customer_id}")
    assert "Export data" not in page.text and "/erase" not in page.text
    csrf = {"csrf": plain_agent.csrf}
    export = await plain_agent.client.post(f"/customers/{customer_id}/export", data=csrf)
    assert export.status_code == 403
    erase = await plain_agent.client.post(
        f"/customers/{customer_id}/erase", data={**csrf, "confirm": "erase"}
    )
    assert erase.status_code == 403
    assert (await plain_agent.client.get(f"/customers/{customer_id}/erase")).status_code == 403
    async with console_hub.read() as db:
        assert (await db.get(Customer, customer_id)).erased_at is None  # type: ignore[union-attr]


async def test_panel_shows_newest_orders_with_items_and_counts_the_rest(
    plain_agent: SignedIn, console_hub: Hub
) -> None:
    customer_id = await inbound(console_hub, body="orders?", provider_id="SM1")
    async with console_hub.uow() as uow:
        for n in range(ORDERS_SHOWN + 3):
            await upsert_order(
                uow,
                OrderInput(
                    external_id=f"o-{n}",
                    number=f"N{n:03d}",
                    customer_id=customer_id,
                    placed_at=datetime(2026, 1, 1, tzinfo=UTC) + timedelta(days=n),
                    items=(
                        ItemInput(name=f"Kettle {n}", quantity=1, unit_price_cents=100),
                        ItemInput(name=f"Mug {n}", quantity=2, unit_price_cents=50),
                    ),
                ),
            )
    page = (await plain_agent.client.get(f"/customers/{customer_id}")).text
    assert "and 3 older orders" in page
    assert page.count('class="order"') == ORDERS_SHOWN
    newest = ORDERS_SHOWN + 2
    assert f"#N{newest:03d}" in page and "#N002" not in page
    assert f"1 × Kettle {newest}" in page and f"2 × Mug {newest}" in page
    assert page.index(f"#N{newest:03d}") < page.index(f"#N{newest - 1:03d}")
