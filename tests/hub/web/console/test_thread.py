"""The inbox, the thread page, its JSON feed and its form handlers (both engines)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from hub.actions.inbound import receive_inbound
from hub.actions.orders import ItemInput, OrderInput, upsert_order
from hub.core import Hub
from hub.models import Detail, Event, Merge, Thread
from hub.types import Inbound
from tests.hub.web.console.conftest import SignedIn

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


async def inbound(hub: Hub, **kwargs: object) -> int:
    values: dict[str, object] = {"channel": "sms", "kind": "phone", "address": "+15551230000"}
    values.update(kwargs)
    async with hub.uow() as uow:
        received = await receive_inbound(uow, Inbound(**values))  # type: ignore[arg-type]
    return received.customer.id


async def cross_channel_customer(hub: Hub) -> int:
    customer_id = await inbound(
        hub, body="Where is order 1042?", provider_id="SM1", name="Dana Diaz", occurred_at=T0
    )
    await inbound(
        hub,
        channel="webchat",
        kind="visitor",
        address="visitor-1",
        body="<img src=x onerror=alert(1)>",
        provider_id="W1",
        customer_id=customer_id,
        occurred_at=T0 + timedelta(minutes=3),
    )
    async with hub.uow() as uow:
        await upsert_order(
            uow,
            OrderInput(
                external_id="shop-1042",
                number="1042",
                customer_id=customer_id,
                items=(ItemInput(name="Blue kettle", quantity=2, unit_price_cents=1999),),
            ),
        )
    return customer_id


async def test_inbox_lists_filters_and_searches(admin: SignedIn, console_hub: Hub) -> None:
    dana = await cross_channel_customer(console_hub)
    await inbound(console_hub, address="+15559990000", body="hello", provider_id="SM9", name="Eli")
    # A private note is on the console's own channel: not one the customer used.
    note = {"csrf": admin.csrf, "mode": "note", "body": "VIP"}
    assert (await admin.client.post(f"/customers/{dana}/reply", data=note)).status_code == 303
    page = await admin.client.get("/")
    assert page.status_code == 200
    assert "Dana Diaz" in page.text and "Eli" in page.text
    assert "&lt;img src=x" in page.text
    rows = (await admin.client.get("/inbox.json")).json()["items"]
    assert {r["name"] for r in rows} == {"Dana Diaz", "Eli"}
    dana_row = next(r for r in rows if r["customer_id"] == dana)
    assert dana_row["channels"] == ["sms", "webchat"]
    assert dana_row["unread"] == 2
    only_web = (await admin.client.get("/inbox.json?channel=webchat")).json()["items"]
    assert [r["customer_id"] for r in only_web] == [dana]
    by_order = (await admin.client.get("/inbox.json?q=1042")).json()["items"]
    assert [r["customer_id"] for r in by_order] == [dana]
    by_phone = (await admin.client.get("/inbox.json?q=555-999-0000")).json()["items"]
    assert [r["name"] for r in by_phone] == ["Eli"]
    assert (await admin.client.get("/inbox.json?view=mine")).json()["items"] == []
    unassigned = (await admin.client.get("/inbox.json?view=unassigned")).json()["items"]
    assert len(unassigned) == 2
    assert (await admin.client.get("/inbox.json?status=resolved")).json()["items"] == []


async def test_thread_page_shows_one_timeline_with_handoff_and_context(
    admin: SignedIn, console_hub: Hub
) -> None:
    dana = await cross_channel_customer(console_hub)
    page = await admin.client.get(f"/customers/{dana}")
    assert page.status_code == 200
    html = page.text
    assert "moved from sms to webchat — 3 min later" in html
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "Blue kettle" in html and "#1042" in html
    assert html.index("Where is order 1042?") < html.index("&lt;img src=x")
    assert 'value="sms"' in html and 'value="webchat"' in html  # reachable channels
    assert "script-src 'self'" in page.headers["content-security-policy"]


async def test_timeline_json_pages_older_events(admin: SignedIn, console_hub: Hub) -> None:
    customer = 0
    for n in range(60):
        customer = await inbound(console_hub, body=f"message {n}", provider_id=f"SM{n}")
    first = (await admin.client.get(f"/customers/{customer}/timeline.json")).json()
    assert len(first["items"]) == 50 and first["next"]
    assert first["items"][0]["body"] == "message 59"
    older = await admin.client.get(f"/customers/{customer}/timeline.json?before={first['next']}")
    assert [e["body"] for e in older.json()["items"]][-1] == "message 0"
    assert older.json()["next"] is None
    bad = await admin.client.get(f"/customers/{customer}/timeline.json?before=abc")
    assert bad.status_code == 422


async def test_reply_note_detail_assign_resolve(admin: SignedIn, console_hub: Hub) -> None:
    dana = await cross_channel_customer(console_hub)
    client, csrf = admin.client, admin.csrf
    reply = await client.post(
        f"/customers/{dana}/reply",
        data={"csrf": csrf, "mode": "reply", "channel": "sms", "body": "On its way!"},
        headers={"Accept": "application/json"},
    )
    assert reply.status_code == 200, reply.text
    assert reply.json()["event"]["channel"] == "sms"
    assert reply.json()["event"]["status"] == "pending"
    note = await client.post(
        f"/customers/{dana}/reply", data={"csrf": csrf, "mode": "note", "body": "VIP"}
    )
    assert note.status_code == 303
    unreachable = await client.post(
        f"/customers/{dana}/reply",
        data={"csrf": csrf, "channel": "phone", "body": "hi"},
        headers={"Accept": "application/json"},
    )
    assert unreachable.status_code == 422
    async with console_hub.read() as session:
        source = (
            await session.execute(select(Event).where(Event.provider_id == "SM1"))
        ).scalar_one()
    detail = await client.post(
        f"/customers/{dana}/detail",
        data={
            "csrf": csrf,
            "source_event_id": str(source.id),
            "key": "order_number",
            "value": "1042",
        },
    )
    assert detail.status_code == 303
    assert (await client.post(f"/customers/{dana}/assign", data={"csrf": csrf})).status_code == 303
    assert (await client.post(f"/customers/{dana}/resolve", data={"csrf": csrf})).status_code == 303
    async with console_hub.read() as session:
        thread = (
            await session.execute(select(Thread).where(Thread.customer_id == dana))
        ).scalar_one()
        saved = (
            await session.execute(select(Detail).where(Detail.key == "order_number"))
        ).scalar_one()
        types = [
            e.type for e in (await session.execute(select(Event).order_by(Event.id))).scalars()
        ]
    assert thread.status == "resolved" and thread.assignee_id == admin.agent.id
    assert saved.value == "1042" and saved.source_event_id == source.id and saved.channel == "sms"
    assert "note" in types and "assignment" in types and "status" in types
    page = await client.get(f"/customers/{dana}")
    assert "Private note" in page.text and "VIP" in page.text and "Re-open" in page.text
    assert "<li>Resolved 20" in page.text  # the panel's previous conversations
    assert (await client.post(f"/customers/{dana}/reopen", data={"csrf": csrf})).status_code == 303
    transfer = await client.post(f"/customers/{dana}/transfer", data={"csrf": csrf, "agent_id": ""})
    assert transfer.status_code == 303
    async with console_hub.read() as session:
        thread = (
            await session.execute(select(Thread).where(Thread.customer_id == dana))
        ).scalar_one()
    assert thread.status == "open" and thread.assignee_id is None


async def test_merge_suggested_match_then_unmerge(admin: SignedIn, console_hub: Hub) -> None:
    phone_customer = await inbound(console_hub, body="hi", provider_id="SM1", name="Dana")
    typed = await inbound(
        console_hub,
        channel="webchat",
        kind="visitor",
        address="visitor-2",
        body="my number is 555 123 0000",
        provider_id="W2",
        details={"phone": "+15551230000"},
    )
    page = await admin.client.get(f"/customers/{typed}")
    assert f'data-merge="{phone_customer}"' in page.text
    merged = await admin.client.post(
        f"/customers/{typed}/merge", data={"csrf": admin.csrf, "source_id": str(phone_customer)}
    )
    assert merged.status_code == 303
    gone = await admin.client.get(f"/customers/{phone_customer}")
    assert gone.status_code == 303 and gone.headers["location"] == f"/customers/{typed}"
    async with console_hub.read() as session:
        merge = (await session.execute(select(Merge))).scalar_one()
    audit = await admin.client.get("/audit")
    assert f'data-unmerge="{merge.id}"' in audit.text
    undone = await admin.client.post(
        f"/merges/{merge.id}/unmerge", data={"csrf": admin.csrf, "back": "/audit"}
    )
    assert undone.status_code == 303 and undone.headers["location"] == "/audit"
    assert (await admin.client.get(f"/customers/{phone_customer}")).status_code == 200
    again = await admin.client.post(f"/merges/{merge.id}/unmerge", data={"csrf": admin.csrf})
    assert again.status_code == 303  # refused with a flash message, nothing changes
    assert "already undone" in (await admin.client.get("/audit")).text


async def test_admin_creates_and_revokes(admin: SignedIn) -> None:
    client, csrf = admin.client, admin.csrf
    agent = await client.post(
        "/admin/agents",
        data={
            "csrf": csrf,
            "name": "Bo",
            "email": "bo@example.com",
            "password": "longenough1",
            "role": "agent",
        },
    )
    assert agent.status_code == 303
    short = await client.post(
        "/admin/agents",
        data={"csrf": csrf, "name": "Cy", "email": "cy@example.com", "password": "short"},
    )
    assert short.status_code == 422 and "at least 8" in short.text
    token = await client.post("/admin/tokens", data={"csrf": csrf, "name": "shop"})
    assert "data-secret" in token.text and "hub_" in token.text
    store = await client.post("/admin/stores", data={"csrf": csrf, "code": "nyc1", "name": "NYC"})
    assert store.status_code == 303
    terminal = await client.post(
        "/admin/terminals", data={"csrf": csrf, "store": "NYC1", "name": "Till 1", "role": "pos"}
    )
    assert "term_" in terminal.text
    assert (await client.post("/admin/tokens/1/revoke", data={"csrf": csrf})).status_code == 303
    assert (await client.post("/admin/terminals/1/revoke", data={"csrf": csrf})).status_code == 303
    deactivate = await client.post("/admin/agents/2/active", data={"csrf": csrf, "active": "0"})
    assert deactivate.status_code == 303
    stores = await client.get("/admin/stores")
    assert "revoked" in stores.text and "Till 1" in stores.text
    assert "deactivated" in (await client.get("/admin/agents")).text
    assert "revoked" in (await client.get("/admin/tokens")).text
