"""What a visitor must never see, and the limits that protect the widget."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
import socketio

from connectors.webchat.limits import RateLimiter
from hub.actions.replies import send_reply
from hub.ingest import IngestBatcher
from hub.models import Customer
from hub.queries.customers import customer_card
from hub.types import Inbound
from tests.conftest import LiveServer
from tests.connectors.webchat.conftest import signed_user

OWNER_PHONE = "+15550107777"


def sms_from_owner(body: str, sid: str) -> Inbound:
    """Input from the real owner of a phone number (verified by the phone network)."""
    return Inbound(channel="sms", kind="phone", address=OWNER_PHONE, body=body, provider_id=sid)


async def test_visitor_a_never_receives_b_messages(server: LiveServer, visitors: Any) -> None:
    alice, _ = await visitors(server.url)
    bob, _ = await visitors(server.url)
    a_ack = await alice.send("I am Alice")
    b_ack = await bob.send("I am Bob")
    async with server.hub.uow() as uow:
        await send_reply(uow, b_ack["customer_id"], "Only for Bob", channel="webchat")
    async with server.hub.uow() as uow:
        await send_reply(uow, a_ack["customer_id"], "Only for Alice", channel="webchat")
    assert (await bob.next("message"))["body"] == "Only for Bob"
    # Emits are ordered: had Bob's reply gone to Alice it would arrive before hers.
    assert (await alice.next("message"))["body"] == "Only for Alice"
    assert alice.queues["message"].empty()


async def test_asserted_phone_does_not_reveal_the_owner_history(
    server: LiveServer, visitors: Any
) -> None:
    owner = await IngestBatcher(server.hub).submit(
        sms_from_owner("My PIN is 4321, card ending 9876", "SM1")
    )
    intruder, session = await visitors(server.url, auth={"phone": OWNER_PHONE})
    ack = await intruder.send("Hi, what did I text you?")
    assert ack["ok"]
    assert ack["customer_id"] != owner.customer.id  # the number stays with its owner
    assert [m["body"] for m in session["messages"]] == []
    _, again = await visitors(server.url, auth={"visitor_token": session["visitor_token"]})
    assert [m["body"] for m in again["messages"]] == ["Hi, what did I text you?"]


async def test_phone_first_typed_in_widget_then_texting_stays_private(
    server: LiveServer, visitors: Any
) -> None:
    """The attack of issue 13: a visitor types a stranger's phone, then the number's
    real owner texts in. The owner's text goes to a customer of its own (the number's
    proven holder), the typist's record is neither joined nor upgraded, and the typed
    claim stays a suggested match for agents. The visitor sees nothing of the text."""
    visitor, session = await visitors(server.url)
    ack = await visitor.send("hello", details={"phone": OWNER_PHONE})
    texted = await IngestBatcher(server.hub).submit(
        sms_from_owner("private text from the phone", "SM2")
    )
    assert texted.customer.id != ack["customer_id"]
    assert texted.identity is not None and texted.identity.verification == "verified"
    async with server.hub.read() as db:
        typist = await customer_card(db, await db.get(Customer, ack["customer_id"]))
        owner = await customer_card(db, await db.get(Customer, texted.customer.id))
    assert [i.kind for i in typist.identities] == ["visitor"]  # no phone identity
    assert [(d.key, d.value) for d in typist.details] == [("phone", OWNER_PHONE)]
    assert [m.body for m in typist.recent_messages] == ["hello"]
    assert [m.id for m in owner.suggested_matches] == [ack["customer_id"]]
    _, again = await visitors(server.url, auth={"visitor_token": session["visitor_token"]})
    assert [m["body"] for m in again["messages"]] == ["hello"]


async def test_message_rate_limit(server: LiveServer, visitors: Any) -> None:
    visitor, _ = await visitors(server.url)
    acks = await asyncio.gather(*(visitor.send(f"spam {i}") for i in range(12)))
    refused = [a for a in acks if not a["ok"]]
    assert sum(1 for a in acks if a["ok"]) == 8  # the burst
    assert refused and all(a["error"] == "rate_limited" for a in refused)


async def test_too_long_message_gets_an_error_ack(server: LiveServer, visitors: Any) -> None:
    visitor, session = await visitors(server.url)
    limit = session["max_message_chars"]
    ack = await visitor.send("x" * (limit + 1))
    assert ack == {
        "ok": False,
        "error": "too_long",
        "message": f"messages are limited to {limit} characters",
    }
    assert (await visitor.send("x" * limit))["ok"]


async def test_origin_not_allowed_is_refused(server: LiveServer, visitors: Any) -> None:
    with pytest.raises(socketio.exceptions.ConnectionError):
        await visitors(server.url, origin="https://evil.example")


@pytest.mark.parametrize(
    "payload", [None, "text", {"body": "no id"}, {"client_id": "x y", "body": "a"}]
)
async def test_malformed_messages_are_refused(
    server: LiveServer, visitors: Any, payload: Any
) -> None:
    visitor, _ = await visitors(server.url)
    ack = await visitor.call("message", payload)
    assert ack["ok"] is False and ack["error"] in ("invalid", "invalid_client_id")


def test_rate_limiter_refills_over_time() -> None:
    now = [0.0]
    limiter = RateLimiter(burst=2, per_second=1, clock=lambda: now[0])
    assert limiter.allow("k") and limiter.allow("k")
    assert not limiter.allow("k")
    assert limiter.allow("other")
    now[0] = 1.0
    assert limiter.allow("k")
    assert not limiter.allow("k")


async def test_user_hash_guessing_is_rate_limited(server: LiveServer, visitors: Any) -> None:
    wrong = {"user_id": "u-7", "user_hash": "0" * 64}
    for _ in range(10):  # the burst of checks per address
        with pytest.raises(socketio.exceptions.ConnectionError, match="does not match"):
            await visitors(server.url, auth=wrong)
    with pytest.raises(socketio.exceptions.ConnectionError, match="too many identity checks"):
        await visitors(server.url, auth=signed_user("u-7"))
