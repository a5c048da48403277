"""Canned responses (admin page, "/" search, per-customer rendering) and the
business-hours admin page (both engines)."""

from __future__ import annotations

from sqlalchemy import select

from hub.actions.canned import create_canned
from hub.actions.orders import OrderInput, upsert_order
from hub.core import Hub
from hub.models import AuditEntry, BusinessHours, CannedResponse, Store
from tests.hub.web.console.conftest import SignedIn
from tests.hub.web.console.test_thread import inbound

EVIL = '<img src=x onerror="alert(1)">'


async def test_admin_creates_edits_and_deletes_canned_responses(
    admin: SignedIn, console_hub: Hub
) -> None:
    page = await admin.client.get("/admin/canned")
    assert page.status_code == 200 and "{{customer.first_name}}" in page.text
    form = {"csrf": admin.csrf, "shortcut": "/Refund", "title": "Refund " + EVIL}
    created = await admin.client.post(
        "/admin/canned",
        data={**form, "body": "Hi {{customer.first_name}}, refund for #{{order.number}}."},
    )
    assert created.status_code == 303
    page = await admin.client.get("/admin/canned")
    assert "/refund" in page.text and "Refund &lt;img" in page.text and EVIL not in page.text
    async with console_hub.read() as db:
        row = (await db.execute(select(CannedResponse))).scalar_one()
    bad = await admin.client.post(
        f"/admin/canned/{row.id}",
        data={
            "csrf": admin.csrf,
            "shortcut": "refund",
            "title": "t",
            "body": "{{ customer.__class__ }}",
        },
    )
    assert bad.status_code == 422 and "unknown placeholder" in bad.text
    assert "{{ customer.__class__ }}" in bad.text  # the draft is kept for correction
    edited = await admin.client.post(
        f"/admin/canned/{row.id}",
        data={
            "csrf": admin.csrf,
            "shortcut": "refunds",
            "title": "Refund",
            "body": "Hello {{agent.name}}",
        },
    )
    assert edited.status_code == 303
    taken = await admin.client.post(
        "/admin/canned", data={"csrf": admin.csrf, "shortcut": "refunds", "title": "x", "body": "y"}
    )
    assert taken.status_code == 409 and "is taken" in taken.text
    deleted = await admin.client.post(f"/admin/canned/{row.id}/delete", data={"csrf": admin.csrf})
    assert deleted.status_code == 303
    async with console_hub.read() as db:
        assert (await db.execute(select(CannedResponse))).scalars().all() == []
        actions = [a.action for a in (await db.execute(select(AuditEntry))).scalars()]
    assert {"canned.created", "canned.updated", "canned.deleted"} <= set(actions)


async def test_picker_searches_and_renders_for_this_customer(
    plain_agent: SignedIn, console_hub: Hub
) -> None:
    customer_id = await inbound(console_hub, body="hi", provider_id="SM1", name=f"Dana {EVIL}")
    other = await inbound(
        console_hub, address="+15550001111", body="yo", provider_id="SM2", name="Eli Ek"
    )
    async with console_hub.uow() as uow:
        await upsert_order(
            uow, OrderInput(external_id="o-7", number="1042", customer_id=customer_id)
        )
        await create_canned(
            uow,
            "refund",
            "Refund policy",
            "Hi {{customer.first_name}}, #{{order.number}} — {{agent.first_name}}",
        )
        await create_canned(uow, "hello", "Greeting refund", "Hello!")
        await create_canned(uow, "bye", "Goodbye", "Bye")
    found = (await plain_agent.client.get("/canned.json?q=ref")).json()["items"]
    assert [i["shortcut"] for i in found] == ["refund", "hello"]
    assert set(found[0]) == {"id", "shortcut", "title"}
    everything = (await plain_agent.client.get("/canned.json")).json()["items"]
    assert len(everything) == 3
    refund = found[0]["id"]
    text = (await plain_agent.client.get(f"/customers/{customer_id}/canned/{refund}.json")).json()
    # Plain text: the customer's hostile name comes back verbatim (the script sets .value).
    assert text["text"] == "Hi Dana, #1042 — Ann"
    for_eli = await plain_agent.client.get(f"/customers/{other}/canned/{refund}.json")
    assert for_eli.json()["text"] == "Hi Eli, # — Ann"
    missing = await plain_agent.client.get(f"/customers/{customer_id}/canned/99999.json")
    assert missing.status_code == 404
    page = await plain_agent.client.get(f"/customers/{customer_id}")
    assert "data-canned-picker" in page.text and 'role="listbox"' in page.text
    assert (await plain_agent.client.get("/admin/canned")).status_code == 403


async def test_business_hours_page_saves_overnight_intervals_and_holidays(
    admin: SignedIn, console_hub: Hub
) -> None:
    page = await admin.client.get("/admin/hours")
    assert page.status_code == 200 and "always open" in page.text
    form = {
        "csrf": admin.csrf,
        "timezone": "Europe/Paris",
        "day": ["0", "4", "2"],
        "open": ["09:00", "22:00", ""],
        "close": ["17:30", "06:00", ""],
        "holidays": "2026-12-25\n2027-01-01",
        "reply_minutes": "15",
        "auto_reply": "Closed; back {opening}",
    }
    saved = await admin.client.post("/admin/hours", data=form)
    assert saved.status_code == 303
    async with console_hub.read() as db:
        row = (await db.execute(select(BusinessHours))).scalar_one()
    assert row.timezone == "Europe/Paris" and row.reply_minutes == 15
    assert row.intervals == [
        {"day": 0, "open": "09:00", "close": "17:30"},
        {"day": 4, "open": "22:00", "close": "06:00"},
    ]
    assert row.holidays == ["2026-12-25", "2027-01-01"]
    page = await admin.client.get("/admin/hours")
    assert "Business hours saved." in page.text and "overnight" in page.text
    assert "2026-12-25" in page.text and ("Open now." in page.text or "opens" in page.text)
    bad = await admin.client.post(
        "/admin/hours", data={**form, "timezone": "Mars/Olympus", "holidays": "soon"}
    )
    assert bad.status_code == 422 and "unknown time zone" in bad.text
    assert "Mars/Olympus" in bad.text  # what the admin typed is kept
    bad_time = await admin.client.post("/admin/hours", data={**form, "open": ["9am", "", ""]})
    assert bad_time.status_code == 422 and "HH:MM" in bad_time.text
    async with console_hub.read() as db:
        assert (await db.execute(select(BusinessHours))).scalar_one().timezone == "Europe/Paris"


async def test_a_store_opening_hours_are_edited_on_the_hours_page(
    admin: SignedIn, console_hub: Hub
) -> None:
    async with console_hub.uow() as uow:
        uow.session.add(Store(code="DT", name="Downtown", timezone="America/New_York"))
    page = await admin.client.get("/admin/hours?team=store:DT")
    assert page.status_code == 200 and "Store DT (Downtown)" in page.text
    assert 'value="America/New_York"' in page.text  # a new store schedule starts in its zone
    form = {
        "csrf": admin.csrf,
        "team": "store:DT",
        "timezone": "America/New_York",
        "day": ["0"],
        "open": ["10:00"],
        "close": ["19:00"],
    }
    saved = await admin.client.post("/admin/hours", data=form)
    assert saved.status_code == 303 and saved.headers["location"] == "/admin/hours?team=store%3ADT"
    async with console_hub.read() as db:
        row = (await db.execute(select(BusinessHours))).scalar_one()
        audit = (await db.execute(select(AuditEntry))).scalars().all()
    assert row.team == "store:DT" and row.intervals == [
        {"day": 0, "open": "10:00", "close": "19:00"}
    ]
    assert ("hours.set", {"team": "store:DT"}) in [(a.action, a.data) for a in audit]
    unknown = await admin.client.post("/admin/hours", data={**form, "team": "store:NOPE"})
    assert unknown.status_code == 422 and "no store with the code" in unknown.text


async def test_agents_cannot_see_or_set_hours(plain_agent: SignedIn) -> None:
    assert (await plain_agent.client.get("/admin/hours?team=store:DT")).status_code == 403
    form = {"csrf": plain_agent.csrf, "team": "default", "timezone": "UTC"}
    assert (await plain_agent.client.post("/admin/hours", data=form)).status_code == 403
