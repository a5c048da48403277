"""The reports page (charts, tables, CSV, date filter, escaping) and the outbound
webhooks admin page (secret once, rotate, deactivate, delete, log, redeliver, SSRF)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from hub.actions.staff import create_agent
from hub.actions.threads import set_thread_status
from hub.core import Hub
from hub.models import OutboxJob, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from hub.models.subscriptions import FAILED
from hub.models.thread import RESOLVED
from tests.hub.web.console.conftest import SignedIn
from tests.hub.web.console.test_thread import inbound

EVIL_CHANNEL = "<svg onload=1>"
EVIL_AGENT = '<script>alert("a")</script>'


async def test_reports_page_shows_charts_tables_and_escapes_names(
    plain_agent: SignedIn, console_hub: Hub
) -> None:
    now = datetime.now(UTC)
    customer_id = await inbound(console_hub, body="hi", provider_id="SM1", occurred_at=now)
    await inbound(
        console_hub,
        channel=EVIL_CHANNEL,
        kind="visitor",
        address="v-1",
        body="hello",
        provider_id="E1",
        customer_id=customer_id,
        occurred_at=now + timedelta(seconds=1),
    )
    async with console_hub.uow() as uow:
        evil = await create_agent(uow, "evil@example.com", EVIL_AGENT, "password123")
        await set_thread_status(uow, customer_id, RESOLVED, actor_agent_id=evil.id)
    page = await plain_agent.client.get("/reports")
    assert page.status_code == 200
    assert page.text.count("<svg ") == 3
    assert 'aria-label="Conversations by channel per day"' in page.text
    # Hostile names appear only escaped: in the SVG labels and in the tables.
    assert EVIL_CHANNEL not in page.text and EVIL_AGENT not in page.text
    assert "&lt;svg onload=1&gt;" in page.text
    assert "&lt;script&gt;alert(" in page.text
    assert "<script>" not in page.text.replace('<script src="', "").replace(
        '<script type="application/json"', ""
    )
    today = now.date().isoformat()
    csv_link = re.search(r'href="(/reports\.csv\?[^"]+)"', page.text)
    assert csv_link is not None
    export = await plain_agent.client.get(csv_link.group(1).replace("&amp;", "&"))
    assert export.status_code == 200 and export.headers["content-type"].startswith("text/csv")
    assert "attachment" in export.headers["content-disposition"]
    assert f"conversations,{today},sms" in export.text
    assert f"conversations,{today},{EVIL_CHANNEL}" in export.text
    assert 'resolution,,,"<script>alert(""a"")</script>"' in export.text
    empty = await plain_agent.client.get("/reports?since=2020-01-01&until=2020-01-03")
    assert empty.status_code == 200 and "No data for this period" in empty.text
    assert 'value="2020-01-01"' in empty.text and "&lt;svg onload" not in empty.text
    bad = await plain_agent.client.get("/reports?since=2020-02-01&until=2020-01-01")
    assert bad.status_code == 422 and "end on or after" in bad.text
    assert (await plain_agent.client.get("/reports?since=nope")).status_code == 422
    assert (await plain_agent.client.get("/reports.csv?since=2019-01-01")).status_code == 422


async def test_webhooks_page_full_cycle(admin: SignedIn, console_hub: Hub) -> None:
    page = await admin.client.get("/admin/webhooks")
    assert page.status_code == 200 and "No webhooks registered" in page.text
    form = {"csrf": admin.csrf, "url": "https://93.184.216.34/hook", "description": "CRM"}
    created = await admin.client.post(
        "/admin/webhooks", data={**form, "events": ["message.created", "thread.resolved"]}
    )
    assert created.status_code == 200
    async with console_hub.read() as db:
        endpoint = (await db.execute(select(WebhookEndpoint))).scalar_one()
    assert endpoint.secret in created.text and "not shown again" in created.text
    assert endpoint.events == ["message.created", "thread.resolved"]
    again = await admin.client.get("/admin/webhooks")
    assert endpoint.secret not in again.text and "93.184.216.34/hook" in again.text
    rotated = await admin.client.post(
        f"/admin/webhooks/{endpoint.id}/rotate", data={"csrf": admin.csrf}
    )
    async with console_hub.read() as db:
        fresh = await db.get(WebhookEndpoint, endpoint.id)
    assert fresh is not None and fresh.secret != endpoint.secret and fresh.secret in rotated.text
    off = await admin.client.post(
        f"/admin/webhooks/{endpoint.id}/active", data={"csrf": admin.csrf, "active": "0"}
    )
    assert off.status_code == 303
    assert "deactivated" in (await admin.client.get("/admin/webhooks")).text

    # SSRF and bad input come back as form errors, with the input kept.
    for url in ("http://127.0.0.1:8080/x", "http://10.1.2.3/x", "ftp://93.184.216.34/x"):
        refused = await admin.client.post(
            "/admin/webhooks", data={**form, "url": url, "events": ["message.created"]}
        )
        assert refused.status_code == 422, url
        assert 'role="alert"' in refused.text and f'value="{url}"' in refused.text
    no_events = await admin.client.post("/admin/webhooks", data=form)
    assert no_events.status_code == 422 and "pick events" in no_events.text

    # The delivery log: attempts with their status codes, and "Redeliver".
    async with console_hub.uow() as uow:
        delivery = WebhookDelivery(
            endpoint_id=endpoint.id,
            event="message.created",
            event_uid="evt-1",
            payload={},
            state=FAILED,
            attempts=2,
            status_code=503,
        )
        uow.session.add(delivery)
        await uow.session.flush()
        uow.session.add_all(
            [
                WebhookAttempt(
                    delivery_id=delivery.id, number=1, status_code=500, error="<b>x</b>"
                ),
                WebhookAttempt(delivery_id=delivery.id, number=2, status_code=503),
            ]
        )
    log = await admin.client.get("/admin/webhooks")
    assert "HTTP 500" in log.text and "HTTP 503" in log.text and "2 attempts" in log.text
    assert "&lt;b&gt;x&lt;/b&gt;" in log.text
    redo = await admin.client.post(
        f"/admin/webhooks/deliveries/{delivery.id}/redeliver", data={"csrf": admin.csrf}
    )
    assert redo.status_code == 303
    async with console_hub.read() as db:
        assert (await db.get(WebhookDelivery, delivery.id)).state == "pending"  # type: ignore[union-attr]
        assert (await db.execute(select(OutboxJob).where(OutboxJob.kind == "webhook"))).first()
    pending = await admin.client.post(
        f"/admin/webhooks/deliveries/{delivery.id}/redeliver", data={"csrf": admin.csrf}
    )
    assert pending.status_code == 422 and "still being attempted" in pending.text
    gone = await admin.client.post(
        f"/admin/webhooks/{endpoint.id}/delete", data={"csrf": admin.csrf}
    )
    assert gone.status_code == 303
    assert "No webhooks registered" in (await admin.client.get("/admin/webhooks")).text
