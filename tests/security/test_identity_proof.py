"""Issue 13, identity: typing an address never links; proof does (tried as an attacker).

Everything goes through the public interface of a live hub: the widget socket, Twilio
SMS webhooks signed with the test auth token, the REST API. The attacker types (or
writes) a stranger's phone or email in the chat; then the real owner texts in, or the
shop posts the owner's order. The owner's data must never land on the typist's record:
not in its thread, not in canned placeholders, and no handoff text goes to the number.
The typed claim stays a suggested match for agents, with its reason.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select

from connectors.twilio.signatures import SIGNATURE_HEADER, sign
from hub.actions.merge import merge_customers
from hub.actions.staff import create_api_token
from hub.core import Hub
from hub.db import utcnow
from hub.models import Customer, Detail, Event, Identity, Order
from hub.queries.canned import template_context
from hub.queries.customers import customer_card
from hub.queries.suggestions import explain_matches
from hub.settings import Settings
from tests.conftest import LiveServer, live_server
from tests.connectors.webchat.conftest import Visitor

OWNER_PHONE = "+14155564601"
OWNER_EMAIL = "owner@example.com"


@pytest.fixture
async def live(settings: Settings) -> AsyncIterator[LiveServer]:
    async with live_server(settings, run_outbox=False) as server:
        yield server


@pytest.fixture
async def http(live: LiveServer) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=live.url, timeout=10) as client:
        yield client


@pytest.fixture
async def visitor(live: LiveServer) -> AsyncIterator[Visitor]:
    tab = Visitor(live.url)
    session = await tab.connect()
    tab.auth["visitor_token"] = session["visitor_token"]  # to reconnect as the same visitor
    try:
        yield tab
    finally:
        await tab.close()


async def text_in(
    http: httpx.AsyncClient, settings: Settings, sender: str, body: str, sid: str
) -> None:
    """An SMS the carrier delivered from ``sender``, as Twilio posts and signs it."""
    params = {
        "MessageSid": sid,
        "SmsSid": sid,
        "AccountSid": settings.twilio_account_sid or "",
        "From": sender,
        "To": settings.twilio_sms_number or "",
        "Body": body,
        "NumMedia": "0",
    }
    url = settings.public_url.rstrip("/") + "/twilio/sms"
    answer = await http.post(
        "/twilio/sms", data=params, headers={SIGNATURE_HEADER: sign(settings, url, params)}
    )
    assert answer.status_code == 200, answer.text


async def event_by_sid(hub: Hub, sid: str) -> Event:
    async with hub.read() as session:
        found = await session.execute(select(Event).where(Event.provider_id == sid))
        return found.scalar_one()


async def phone_identities(hub: Hub, customer_id: int) -> list[Identity]:
    async with hub.read() as session:
        found = await session.execute(
            select(Identity).where(Identity.customer_id == customer_id, Identity.kind == "phone")
        )
        return list(found.scalars())


async def reasons_for(hub: Hub, customer_id: int) -> dict[int, str]:
    async with hub.read() as session:
        customer = await session.get(Customer, customer_id)
        assert customer is not None
        card = await customer_card(session, customer)
        found = await explain_matches(
            session, customer_id, card.identities, card.details, card.suggested_matches
        )
    return {s.customer.id: s.reason for s in found}


@pytest.mark.parametrize("how", ["field", "text"])
async def test_typed_phone_then_the_owner_texts(
    live: LiveServer, http: httpx.AsyncClient, visitor: Visitor, how: str
) -> None:
    if how == "field":
        ack = await visitor.send("hi, that's my number", details={"phone": OWNER_PHONE})
    else:
        ack = await visitor.send("hi, text me on (415) 556-4601 please")
    typist = ack["customer_id"]

    await text_in(http, live.settings, OWNER_PHONE, "my PIN is 4321", "SMowner1")

    owner_event = await event_by_sid(live.hub, "SMowner1")
    assert owner_event.customer_id != typist  # a customer of its own
    (held,) = await phone_identities(live.hub, owner_event.customer_id)
    assert held.address == OWNER_PHONE and held.verification == "verified"
    assert await phone_identities(live.hub, typist) == []  # never joined, never upgraded
    async with live.hub.read() as session:
        context = await template_context(session, typist)
        claim = (
            await session.execute(
                select(Detail).where(Detail.customer_id == typist, Detail.key == "phone")
            )
        ).scalar_one()
    assert "phone" not in context["customer"]  # {{customer.phone}} stays empty
    assert claim.value == OWNER_PHONE  # the typed claim stays, asserted
    # The agent on the owner's record sees the typist as a suggested match, with why.
    reason = (await reasons_for(live.hub, owner_event.customer_id))[typist]
    verb = "typed" if how == "field" else "wrote"
    assert reason.startswith(f"They {verb} {OWNER_PHONE} in webchat")
    # No handoff text can be sent to the number from the typist's chat.
    refused = await visitor.call("handoff", {"to": "sms"})
    assert refused["ok"] is False and refused["error"] == "unverified_phone"
    # And the typist's widget shows nothing of the owner's text.
    again = Visitor(live.url, {"visitor_token": visitor.auth["visitor_token"]})
    try:
        session_data = await again.connect()
    finally:
        await again.close()
    assert "my PIN is 4321" not in [m["body"] for m in session_data["messages"]]


async def test_typed_email_then_the_shop_posts_an_order(
    live: LiveServer, http: httpx.AsyncClient, visitor: Visitor
) -> None:
    ack = await visitor.send("where is my order?", details={"email": OWNER_EMAIL})
    typist = ack["customer_id"]
    async with live.hub.uow() as uow:
        _, key = await create_api_token(uow, "shop")
    posted = await http.post(
        "/api/v1/orders",
        headers={"Authorization": f"Bearer {key}"},
        json={
            "external_id": "shop-9001",
            "email": OWNER_EMAIL,
            "number": "W-90017",
            "pickup_location": "12 Private Road",
            "items": [{"name": "Lamp", "quantity": 1, "unit_price_cents": 4900}],
        },
    )
    assert posted.status_code in (200, 201), posted.text
    async with live.hub.read() as session:
        order = (
            await session.execute(select(Order).where(Order.external_id == "shop-9001"))
        ).scalar_one()
        context = await template_context(session, typist)
        email = (
            await session.execute(select(Identity).where(Identity.address == OWNER_EMAIL))
        ).scalar_one()
    assert order.customer_id != typist
    assert email.customer_id == order.customer_id and email.verification == "verified"
    assert context["order"] == {}  # {{order.number}} renders empty for the typist
    assert "email" not in context["customer"]
    assert typist in await reasons_for(live.hub, order.customer_id)


async def test_code_asked_for_someone_elses_number_then_the_owner_texts(
    live: LiveServer, http: httpx.AsyncClient, visitor: Visitor
) -> None:
    """Asking for a one-time code attaches the number as *asserted* until the code comes
    back. If the owner texts first, the number leaves the asker's record."""
    await visitor.send("hello")
    asked = await visitor.call("verify", {"kind": "phone", "address": OWNER_PHONE})
    assert asked["ok"] is True
    (pending,) = await phone_identities(live.hub, (await visitor.send("still here"))["customer_id"])
    typist = pending.customer_id
    assert pending.verification == "asserted"

    await text_in(http, live.settings, OWNER_PHONE, "who is this?", "SMowner2")

    owner_event = await event_by_sid(live.hub, "SMowner2")
    assert owner_event.customer_id != typist
    assert await phone_identities(live.hub, typist) == []
    (moved,) = await phone_identities(live.hub, owner_event.customer_id)
    assert moved.id == pending.id and moved.verification == "verified"
    assert typist in await reasons_for(live.hub, owner_event.customer_id)
    # Even the right code (read here from the text sent to the number) proves nothing for
    # the asker once the number's holder has shown up.
    async with live.hub.read() as session:
        sent = (
            await session.execute(
                select(Event).where(
                    Event.direction == "out",
                    Event.identity_id == pending.id,
                    Event.body.like("Your verification code%"),
                )
            )
        ).scalar_one()
    code = "".join(ch for ch in (sent.body or "") if ch.isdigit())[:6]
    late = await visitor.call("verify_code", {"code": code})
    assert late["ok"] is False
    assert await phone_identities(live.hub, typist) == []


async def test_a_reply_goes_to_the_address_last_used_on_that_channel(
    live: LiveServer, http: httpx.AsyncClient
) -> None:
    """After an agent links two records, an SMS reply goes to the number the customer
    texted from, not to a merged-in number that only ever called."""
    await text_in(http, live.settings, "+14155550111", "texting from my mobile", "SMmine")
    texter = (await event_by_sid(live.hub, "SMmine")).customer_id
    await text_in(http, live.settings, "+14155550122", "from my work phone", "SMwork")
    other = (await event_by_sid(live.hub, "SMwork")).customer_id
    await text_in(http, live.settings, "+14155550111", "mobile again", "SMmine2")
    async with live.hub.uow() as uow:
        await merge_customers(uow, other, texter, actor="test")
    # The merged-in number was seen last: without the rule it would be chosen.
    async with live.hub.uow() as uow:
        work = (
            await uow.session.execute(select(Identity).where(Identity.address == "+14155550122"))
        ).scalar_one()
        work.last_seen_at = utcnow() + timedelta(days=1)
    async with live.hub.uow() as uow:
        _, key = await create_api_token(uow, "ops")
    sent = await http.post(
        f"/api/v1/customers/{texter}/messages",
        headers={"Authorization": f"Bearer {key}"},
        json={"body": "We are on it", "channel": "sms"},
    )
    assert sent.status_code == 202, sent.text
    async with live.hub.read() as session:
        reply = (
            (
                await session.execute(
                    select(Event).where(Event.direction == "out").order_by(Event.id.desc())
                )
            )
            .scalars()
            .first()
        )
        assert reply is not None and reply.identity_id is not None
        target = await session.get(Identity, reply.identity_id)
    assert target is not None and target.address == "+14155550111"
