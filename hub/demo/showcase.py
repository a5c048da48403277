"""Maria Gonzalez: the customer whose story crosses webchat → phone → store.

Online order, a chat about exchanging it, a call to check stock, a note, the
in-store exchange with a POS purchase, and a text thread that is still open —
what the README's screenshot shows.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from hub.actions.threads import add_note, assign_thread
from hub.demo.stories import Cast, answered_call
from hub.demo.writer import DemoWriter, Person
from hub.types import IdentityClaim, ItemInput

MARIA = Person(
    name="Maria Gonzalez",
    phone="+17735550142",
    email="maria.gonzalez@example.com",
    loyalty="LOY-100042",
)


async def maria(w: DemoWriter, cast: Cast, now: datetime) -> Person:
    p = Person(**{k: getattr(MARIA, k) for k in ("name", "phone", "email", "loyalty")})
    p.visitor = "demo-visitor-maria"
    sam, priya = cast.agents[1], cast.agents[-1]
    day = now.replace(hour=15, minute=0, second=0, microsecond=0)
    t = day - timedelta(days=6, hours=5)

    await w.chat(
        p,
        t,
        body="Hi! Quick question before I order: do the trail running shoes run small?",
        details={"name": p.name, "email": p.email},
        # She typed the one-time code the widget mailed her: a proven address, so the
        # shop's orders for it (the pickup in `make run`) join her thread.
        claims=(IdentityClaim("email", p.email, verified=True),),
        data={"page": "https://shop.example.com/products/trail-running-shoes"},
    )
    t += timedelta(minutes=2)
    await w.outbound(
        p,
        t,
        channel="webchat",
        agent=sam,
        body="Hi Maria! They're true to size, but if you're between sizes go half a size up.",
    )
    t += timedelta(minutes=14)
    shoes = ItemInput(sku="RUN-TRL-85", name="Trail running shoes", unit_price_cents=12900)
    socks = ItemInput(sku="SOCK-MER-3", name="Merino socks (3 pack)", unit_price_cents=2400)
    await w.web_order(p, t, "W-10421", (shoes, socks), status="delivered")

    t = day - timedelta(days=3, hours=2)
    await w.chat(
        p,
        t,
        body=(
            "The shoes from order W-10421 arrived but they're a little tight. "
            "Can I swap them for an 8.5 in a store?"
        ),
        details={"order_number": "W-10421", "phone": p.phone, "reason": "exchange"},
        claims=(IdentityClaim("phone", p.phone),),
    )
    t += timedelta(minutes=3)
    await w.outbound(
        p,
        t,
        channel="webchat",
        agent=sam,
        body=(
            "Of course! Any store can exchange online orders. Call us and we'll check "
            "which store has an 8.5 in stock."
        ),
    )

    t = day - timedelta(days=2, hours=4)
    await answered_call(
        w,
        cast,
        p,
        t,
        agent=priya,
        seconds=184,
        recording=("demo-maria-call", "https://recordings.example.com/demo/maria-call.mp3"),
        transcript=(
            "Maria called about exchanging the trail shoes from W-10421 for a size "
            "8.5. Priya found a pair at the Downtown store and reserved it."
        ),
    )
    assert p.customer_id is not None
    t += timedelta(minutes=4)
    await add_note(
        w.uow,
        p.customer_id,
        "Reserved trail shoes size 8.5 at Downtown (DT1) under Maria's name until Saturday.",
        agent_id=priya.id,
        provider_id="demo-note-maria",
        created_at=t,
    )

    t = day - timedelta(days=1, hours=1)
    await w.visit(
        p,
        t,
        body="Checked in at Downtown flagship: exchange for W-10421",
        data={"store_code": "DT1", "terminal": "Downtown counter iPad", "reason": "exchange"},
    )
    t += timedelta(minutes=12)
    exchanged = ItemInput(sku="RUN-TRL-85", name="Trail running shoes (exchange, 8.5)")
    bottle = ItemInput(sku="BTL-STL-75", name="Steel bottle 750 ml", unit_price_cents=2900)
    await w.store_purchase(p, t, "DT1", (exchanged, bottle))
    t += timedelta(minutes=30)
    await w.outbound(
        p,
        t,
        channel="sms",
        agent=sam,
        body="Hi Maria, it's Sam from the shop — glad the exchange worked out! Enjoy the trails.",
    )
    t = now - timedelta(minutes=25)
    await w.text(
        p,
        t,
        body="Thank you! One more thing — can I still return the socks from that order?",
    )
    await assign_thread(w.uow, p.customer_id, sam.id, at=t + timedelta(seconds=30))
    return p
