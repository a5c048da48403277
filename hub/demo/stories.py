"""Customer stories: short, plausible histories on one or several channels.

Every story takes the writer, the person and a start time and returns when it
ended, so stories chain into one chronological history per customer (the
timeline is ordered by insertion).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from hub.actions.threads import add_note
from hub.demo import data
from hub.demo.writer import DemoWriter, Person
from hub.models import Agent
from hub.types import IdentityClaim, ItemInput


@dataclass
class Cast:
    """What stories draw on: the seeded random source, agents, stores and the hub's number."""

    rng: random.Random
    agents: list[Agent]
    stores: list[tuple[str, str]]  # (code, name)
    voice_number: str
    next_order: int = 10000

    def agent(self) -> Agent:
        return self.rng.choice(self.agents[1:] or self.agents)

    def order_number(self) -> str:
        self.next_order += self.rng.randint(1, 9)
        return f"W-{self.next_order}"


def _later(cast: Cast, at: datetime, low: int, high: int) -> datetime:
    """``at`` plus a random number of seconds in [low, high]."""
    return at + timedelta(seconds=cast.rng.randint(low, high))


def _fill(template: str, person: Person, cast: Cast, **extra: str) -> str:
    product = cast.rng.choice(data.PRODUCTS)[1]
    store = cast.rng.choice(cast.stores)[1]
    values = {"first": person.first, "product": product, "store": store, "order": "W-10000"}
    values.update(extra)
    return template.format(**values)


async def webchat(w: DemoWriter, cast: Cast, p: Person, at: datetime) -> datetime:
    """A website chat that starts with the pre-chat form (name, email)."""
    p.visitor = p.visitor or f"demo-visitor-{p.loyalty.lower()}"
    i = cast.rng.randrange(len(data.WEBCHAT_OPENERS))
    product = cast.rng.choice(data.PRODUCTS)[1]
    await w.chat(
        p,
        at,
        body=data.WEBCHAT_OPENERS[i].format(product=product),
        details={"name": p.name, "email": p.email},
        claims=(IdentityClaim("email", p.email),),
        data={"page": "https://shop.example.com/products/" + product.lower().replace(" ", "-")},
    )
    at = _later(cast, at, 40, 400)
    reply = data.WEBCHAT_REPLIES[i].format(first=p.first)
    await w.outbound(p, at, channel="webchat", body=reply, agent=cast.agent())
    if cast.rng.random() < 0.7:
        at = _later(cast, at, 20, 180)
        await w.chat(
            p,
            at,
            body=cast.rng.choice(data.CUSTOMER_THANKS),
        )
    return at


async def sms(w: DemoWriter, cast: Cast, p: Person, at: datetime) -> datetime:
    """A text, a reply (usually delivered, sometimes not), maybe a thank-you."""
    i = cast.rng.randrange(len(data.SMS_OPENERS))
    order = cast.order_number()
    store = cast.rng.choice(cast.stores)[1]
    opener = data.SMS_OPENERS[i].format(order=order, store=store)
    await w.text(p, at, body=opener)
    at = _later(cast, at, 120, 3600)
    reply = data.SMS_REPLIES[i].format(first=p.first, order=order, store=store)
    failed = cast.rng.random() < 0.06
    await w.outbound(
        p,
        at,
        channel="sms",
        body=reply,
        agent=cast.agent(),
        status="undelivered" if failed else "delivered",
        error_code="30003" if failed else None,
    )
    if not failed and cast.rng.random() < 0.6:
        at = _later(cast, at, 60, 1800)
        thanks = cast.rng.choice(data.CUSTOMER_THANKS)
        await w.text(p, at, body=thanks)
    return at


async def answered_call(
    w: DemoWriter,
    cast: Cast,
    p: Person,
    at: datetime,
    *,
    agent: Agent,
    seconds: int,
    recording: tuple[str, str],
    transcript: str,
) -> None:
    """A completed inbound call put through to ``agent``, with its recording
    ``(sid, url)`` and transcript, as the phone connector records one."""
    sid, url = recording
    await w.call(
        p,
        at,
        body="Incoming call",
        status="completed",
        awaits_reply=False,
        data={
            "from": p.phone,
            "to": cast.voice_number,
            "statuses": ["ringing", "in-progress", "completed"],
            "duration": seconds,
            "route": {"mode": "agent", "agent_id": agent.id, "sticky": False},
            "agent_name": agent.name,
            "recordings": [{"sid": sid, "url": url, "duration": seconds, "transcript": transcript}],
            "transcript": transcript,
        },
    )


async def call(w: DemoWriter, cast: Cast, p: Person, at: datetime) -> datetime:
    """A phone call: answered (duration, recording, transcript) or a voicemail."""
    sid = w.provider_id("call-recording")
    url = f"https://recordings.example.com/demo/{sid}.mp3"
    if cast.rng.random() < 0.25:
        text = _fill(cast.rng.choice(data.VOICEMAILS), p, cast, order=cast.order_number())
        seconds = cast.rng.randint(8, 40)
        await w.call(
            p,
            at,
            body="Voicemail",
            status="no-answer",
            data={
                "from": p.phone,
                "to": cast.voice_number,
                "statuses": ["ringing", "no-answer"],
                "voicemail": True,
                "duration": seconds,
                "recordings": [{"sid": sid, "url": url, "duration": seconds, "transcript": text}],
                "transcript": text,
            },
        )
        return _later(cast, at, 60, 600)
    seconds = cast.rng.randint(45, 900)
    agent = cast.agent()
    text = _fill(cast.rng.choice(data.CALL_TRANSCRIPTS), p, cast, order=cast.order_number())
    await answered_call(
        w, cast, p, at, agent=agent, seconds=seconds, recording=(sid, url), transcript=text
    )
    return at + timedelta(seconds=seconds)


async def online_order(
    w: DemoWriter, cast: Cast, p: Person, at: datetime, *, status: str | None = None
) -> datetime:
    """An order from the web shop, linked by email (or the known customer)."""
    picks = cast.rng.sample(data.PRODUCTS, cast.rng.randint(1, 3))
    pickup = cast.rng.random() < 0.3
    code, name = cast.rng.choice(cast.stores)
    await w.web_order(
        p,
        at,
        cast.order_number(),
        tuple(
            ItemInput(sku=s, name=n, quantity=cast.rng.choice((1, 1, 1, 2)), unit_price_cents=c)
            for s, n, c in picks
        ),
        status=status or cast.rng.choice(("placed", "shipped", "delivered", "delivered")),
        pickup_location=f"{name} ({code})" if pickup else None,
    )
    return _later(cast, at, 60, 600)


async def store_visit(w: DemoWriter, cast: Cast, p: Person, at: datetime) -> datetime:
    """A check-in at a store (loyalty card scanned), often a POS purchase and a note."""
    code, name = cast.rng.choice(cast.stores)
    await w.visit(
        p,
        at,
        body=f"Checked in at {name}",
        data={"store_code": code, "terminal": f"{name} counter"},
    )
    at = _later(cast, at, 300, 1500)
    if cast.rng.random() < 0.7:
        sku, product, cents = cast.rng.choice(data.PRODUCTS)
        item = ItemInput(sku=sku, name=product, unit_price_cents=cents)
        await w.store_purchase(p, at, code, (item,))
    if cast.rng.random() < 0.4:
        assert p.customer_id is not None
        at = _later(cast, at, 30, 300)
        await add_note(
            w.uow,
            p.customer_id,
            cast.rng.choice(data.STORE_NOTES),
            channel="instore",
            provider_id=w.provider_id("note"),
            created_at=at,
        )
    return at


STORIES = (webchat, sms, call, store_visit, online_order)
