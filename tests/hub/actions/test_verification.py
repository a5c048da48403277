"""One-time codes: only the customer's own address, hashed, single use, limited tries."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import select

from hub.actions.verification import confirm_verification, start_verification
from hub.core import Hub
from hub.errors import Conflict
from hub.ingest import IngestBatcher
from hub.models import Event, Identity
from hub.types import Inbound

PHONE = "+15550103030"


async def visitor_customer(hub: Hub, visitor: str) -> int:
    received = await IngestBatcher(hub).submit(
        Inbound(channel="webchat", kind="visitor", address=visitor, body="hi", provider_id=visitor)
    )
    return received.customer.id


def needs_phone_channel(hub: Hub) -> None:
    if not any("phone" in c.reply_kinds for c in hub.connectors.values()):
        pytest.skip("no connector reaches phones")


async def test_code_is_sent_to_that_address_and_verifies_it(hub: Hub) -> None:
    needs_phone_channel(hub)
    customer_id = await visitor_customer(hub, "v_one")
    async with hub.uow() as uow:
        challenge = await start_verification(uow, customer_id, "phone", "555-010-3030")
    async with hub.read() as db:
        text = (await db.execute(select(Event).where(Event.direction == "out"))).scalar_one()
        phone = await db.get(Identity, challenge.identity_id)
    assert phone is not None and (phone.address, phone.verification) == (PHONE, "asserted")
    assert text.identity_id == phone.id and text.customer_id == customer_id
    code = re.search(r"\d{6}", text.body or "")
    assert code is not None

    async with hub.uow() as uow:
        identity, left = await confirm_verification(uow, challenge, code.group(0))
    assert identity is not None and identity.verification == "verified" and left is None


async def test_wrong_and_expired_codes(hub: Hub) -> None:
    needs_phone_channel(hub)
    customer_id = await visitor_customer(hub, "v_two")
    async with hub.uow() as uow:
        challenge = await start_verification(uow, customer_id, "phone", PHONE)
    async with hub.uow() as uow:
        identity, left = await confirm_verification(uow, challenge, "not it")
    assert identity is None and left is not None and left.attempts_left == 4
    expired = replace(challenge, expires_at=challenge.expires_at - timedelta(hours=1))
    async with hub.uow() as uow:
        assert await confirm_verification(uow, expired, "123456") == (None, None)


async def test_another_customers_address_is_refused(hub: Hub) -> None:
    needs_phone_channel(hub)
    await IngestBatcher(hub).submit(
        Inbound(channel="sms", kind="phone", address=PHONE, body="x", provider_id="S1")
    )
    customer_id = await visitor_customer(hub, "v_three")
    with pytest.raises(Conflict):
        async with hub.uow() as uow:
            await start_verification(uow, customer_id, "phone", PHONE)
