"""export_customer and erase_customer on both engines."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from hub.actions.audit import record_audit
from hub.actions.calls import attach_recording, attach_transcript
from hub.actions.customers import Provenance, add_identity, record_detail
from hub.actions.inbound import receive_inbound
from hub.actions.merge import merge_customers, unmerge_customers
from hub.actions.orders import ItemInput, OrderInput, upsert_order
from hub.actions.privacy import erase_customer, erased_name, export_customer
from hub.core import Hub
from hub.errors import NotFound
from hub.models import AuditEntry, Customer, Detail, Event, Identity, Merge, Order
from hub.types import Inbound, Media

PHONE = "+15551234567"
PERSONAL = (
    "Grace Hopper",
    "5551234567",
    "grace@example.com",
    "v_grace",
    "12 Navy Yard",
    "ORDER-77 is late",
    "https://media.example/cat.jpg",
    "https://api.twilio.com/rec/RE1",
    "please call me back",
    "Second Grace",
)


async def build_person(hub: Hub) -> tuple[int, int]:
    """Grace: SMS with media, a call with a recording and transcript, widget details,
    an order with a shipping address, and a second customer merged into her."""
    async with hub.uow() as uow:
        sms = await receive_inbound(
            uow,
            Inbound(
                channel="sms",
                kind="phone",
                address=PHONE,
                body="ORDER-77 is late",
                provider_id="SM1",
                name="Grace Hopper",
                media=(Media("https://media.example/cat.jpg", "image/jpeg"),),
            ),
        )
        customer_id = sms.customer.id
        await receive_inbound(
            uow,
            Inbound(
                channel="phone",
                kind="phone",
                address=PHONE,
                type="call",
                provider_id="CA1",
                status="completed",
                data={"from": PHONE, "duration": 42, "statuses": ["ringing", "completed"]},
            ),
        )
        await attach_recording(uow, "phone", "CA1", "RE1", "https://api.twilio.com/rec/RE1")
        await attach_transcript(uow, "phone", "CA1", "RE1", "please call me back")
        await add_identity(uow, customer_id, "email", "Grace@Example.com", verified=True)
        await record_detail(uow, customer_id, "address", "12 Navy Yard", Provenance("sms"))
        await upsert_order(
            uow,
            OrderInput(
                external_id="shop-1",
                customer_id=customer_id,
                items=(ItemInput("Compiler manual", 1, 2500),),
            ),
        )
        order = (await uow.session.execute(select(Order))).scalar_one()
        order.data = {"shipping_address": "12 Navy Yard"}
        other = await receive_inbound(
            uow,
            Inbound(
                channel="webchat",
                kind="visitor",
                address="v_grace",
                body="hello from the site",
                provider_id="v_grace:1",
                verified=False,
                name="Second Grace",
            ),
        )
    async with hub.uow() as uow:
        await merge_customers(uow, other.customer.id, customer_id, actor="agent:1")
    return customer_id, other.customer.id


async def test_export_holds_everything_and_follows_merges(hub: Hub) -> None:
    customer_id, merged_id = await build_person(hub)
    async with hub.read() as session:
        data = await export_customer(session, merged_id)
    assert data["format"] == "omnihub.customer-export/1"
    assert data["customer"]["id"] == customer_id
    assert data["customer"]["name"] == "Grace Hopper"
    assert [c["id"] for c in data["merged_customers"]] == [merged_id]
    assert {(i["kind"], i["address"]) for i in data["identities"]} == {
        ("phone", PHONE),
        ("email", "grace@example.com"),
        ("visitor", "v_grace"),
    }
    assert [(d["key"], d["value"]) for d in data["details"]] == [("address", "12 Navy Yard")]
    call = next(e for e in data["events"] if e["type"] == "call")
    assert call["data"]["transcript"] == "please call me back"
    assert any(e["body"] == "hello from the site" for e in data["events"])
    assert data["orders"][0]["items"][0]["name"] == "Compiler manual"
    assert data["merges"][0]["source_customer_id"] == merged_id
    assert {a["action"] for a in data["audit"]} == {"customer.merged"}
    json.dumps(data)  # JSON-able as is


async def test_export_of_unknown_customer_is_not_found(hub: Hub) -> None:
    async with hub.read() as session:
        with pytest.raises(NotFound):
            await export_customer(session, 999)


async def test_erase_removes_personal_data_and_keeps_counts(hub: Hub) -> None:
    customer_id, merged_id = await build_person(hub)
    async with hub.read() as session:
        before = await export_customer(session, customer_id)
    async with hub.uow() as uow:
        erasure = await erase_customer(uow, merged_id, actor="agent:1")
    assert erasure.customer_id == customer_id
    assert (erasure.identities, erasure.details, erasure.merged_customers) == (3, 1, 1)
    assert erasure.orders == 1

    async with hub.read() as session:
        after = await export_customer(session, customer_id)
        customer = await session.get(Customer, customer_id)
        assert customer is not None
        assert customer.name == erased_name(customer_id)
        assert customer.erased_at is not None
        for model in (Identity, Detail):
            count = (await session.execute(select(func.count()).select_from(model))).scalar()
            assert count == 0
    dumped = json.dumps(after)
    for text in PERSONAL:
        assert text not in dumped, text
    # The same events remain, with what reports count.
    shape = [(e["id"], e["type"], e["channel"], e["direction"]) for e in before["events"]]
    assert [(e["id"], e["type"], e["channel"], e["direction"]) for e in after["events"]] == shape
    call = next(e for e in after["events"] if e["type"] == "call")
    assert call["data"] == {"duration": 42, "statuses": ["ringing", "completed"], "erased": True}
    assert call["status"] == "completed"
    assert after["orders"][0]["total_cents"] == 2500
    assert after["orders"][0]["items"][0]["name"] == "Compiler manual"
    erased = [a for a in after["audit"] if a["action"] == "customer.erased"]
    assert len(erased) == 1
    assert erased[0]["actor"] == "agent:1"
    assert set(erased[0]["data"]) == {
        "already_erased",
        "identities",
        "details",
        "events",
        "orders",
        "merged_customers",
        "copies",
    }


async def test_erase_is_idempotent(hub: Hub) -> None:
    customer_id, _ = await build_person(hub)
    async with hub.uow() as uow:
        await erase_customer(uow, customer_id, actor="cli")
    async with hub.read() as session:
        first = await export_customer(session, customer_id)
    async with hub.uow() as uow:
        again = await erase_customer(uow, customer_id, actor="cli")
    assert again.already_erased and not again.changed
    async with hub.read() as session:
        second = await export_customer(session, customer_id)
        audits = (
            await session.execute(
                select(func.count())
                .select_from(AuditEntry)
                .where(AuditEntry.action == "customer.erased")
            )
        ).scalar()
    assert audits == 1
    first.pop("exported_at"), second.pop("exported_at")
    assert first == second


async def test_erased_number_writing_again_is_a_new_customer(hub: Hub) -> None:
    customer_id, _ = await build_person(hub)
    async with hub.uow() as uow:
        await erase_customer(uow, customer_id, actor="cli")
    async with hub.uow() as uow:
        again = await receive_inbound(
            uow, Inbound(channel="sms", kind="phone", address=PHONE, body="hi", provider_id="SM9")
        )
    assert again.customer.id != customer_id
    async with hub.read() as session:
        events = (
            await session.execute(
                select(func.count()).select_from(Event).where(Event.customer_id == customer_id)
            )
        ).scalar()
    assert events == 5  # SMS, call, purchase, widget message, merge marker: still counted


async def test_audit_entries_survive_erasure(hub: Hub) -> None:
    customer_id, _ = await build_person(hub)
    async with hub.uow() as uow:
        await record_audit(uow, "agent:2", "customer.viewed", "customer", customer_id)
        await erase_customer(uow, customer_id, actor="agent:2")
    async with hub.read() as session:
        data = await export_customer(session, customer_id)
    assert [a["action"] for a in data["audit"]] == [
        "customer.merged",
        "customer.viewed",
        "customer.erased",
    ]


async def test_unmerge_after_erasure_brings_back_nothing_personal(hub: Hub) -> None:
    customer_id, merged_id = await build_person(hub)
    async with hub.uow() as uow:
        await erase_customer(uow, customer_id, actor="cli")
    async with hub.read() as session:
        merge = (await session.execute(select(Merge))).scalar_one()
    async with hub.uow() as uow:
        await unmerge_customers(uow, merge.id, actor="agent:1")
    async with hub.read() as session:
        dumped = json.dumps(
            [await export_customer(session, customer_id), await export_customer(session, merged_id)]
        )
        separated = await session.get(Customer, merged_id)
    assert separated is not None and separated.name == erased_name(merged_id)
    for text in PERSONAL:
        assert text not in dumped, text
