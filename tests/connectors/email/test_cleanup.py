"""Erasing a customer lets the attachment sweep delete their files; files still listed
on another message, or just written, stay."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from connectors.email.cleanup import sweep
from hub.actions.privacy import erase_customer
from hub.models import Event
from tests.connectors.email.support import email_connector, mail, smtp_send


async def test_erasure_then_sweep_removes_only_the_erased_customers_files(app: Any) -> None:
    hub = app.state.hub
    connector = email_connector(hub)
    receiver = connector.receiver
    assert receiver is not None
    shared = ("terms.pdf", "application/pdf", b"%PDF the shop's terms")
    await smtp_send(
        receiver.address,
        mail(attachments=[("id.jpg", "image/jpeg", b"ann's passport scan"), shared]),
    )
    await smtp_send(receiver.address, mail(sender="bob@customer.example", attachments=[shared]))
    async with hub.read() as session:
        ann, _bob = (await session.execute(select(Event).order_by(Event.id))).scalars()
    passport, terms = (connector.attachments.path(a["sha256"]) for a in ann.data["attachments"])
    assert passport.is_file() and terms.is_file()

    # Nothing is unreferenced yet; just-written files are never swept anyway.
    assert await sweep(connector.port, connector.attachments, "email", grace=timedelta(0)) == 0
    async with hub.uow() as uow:
        await erase_customer(uow, ann.customer_id, actor="test")
    assert await sweep(connector.port, connector.attachments, "email") == 0  # within the grace time
    assert await sweep(connector.port, connector.attachments, "email", grace=timedelta(0)) == 1
    assert not passport.exists()
    assert terms.is_file()  # Bob's message still lists it
