"""``POST /orders``: create or update an order by its ``external_id``."""

from __future__ import annotations

from typing import Any

from sqlalchemy.exc import IntegrityError

from hub.actions.orders import MAX_EXTERNAL_ID, ItemInput, OrderInput, upsert_order
from hub.errors import Invalid
from hub.models.order import ORDER_SOURCES
from hub.serializers import order_dict
from hub.web.api.endpoint import Call, Endpoint, Reply
from hub.web.api.schema import INT32_MAX, Arr, Body, DateTime, Int, Obj, Ref, Str

MAX_ITEMS = 500

ITEM = Obj(
    {
        "name": Str(min_length=1, max_length=300),
        "quantity": Int(minimum=1, maximum=100_000, description="Default 1."),
        "unit_price_cents": Int(minimum=0, maximum=INT32_MAX, description="Default 0."),
        "sku": Str(max_length=64),
    },
    required=("name",),
)

ORDER_BODY = Obj(
    {
        "external_id": Str(
            min_length=1,
            max_length=MAX_EXTERNAL_ID,
            description="Your id for the order; sending it again updates the same order.",
        ),
        "customer_id": Int(minimum=1),
        "phone": Str(min_length=1, max_length=64, description="Any format; E.164 preferred."),
        "email": Str(min_length=1, max_length=320),
        "name": Str(max_length=200, description="The buyer's name, for a new customer."),
        "number": Str(max_length=64, description="Order number shown to the customer."),
        "source": Str(enum=ORDER_SOURCES, description="Default online."),
        "store_code": Str(max_length=32),
        "status": Str(min_length=1, max_length=32, description="Default placed."),
        "pickup_location": Str(max_length=200),
        "currency": Str(pattern="^[A-Za-z]{3}$", description="ISO 4217, default USD."),
        "total_cents": Int(minimum=0, maximum=INT32_MAX, description="Default: sum of items."),
        "placed_at": DateTime(),
        "items": Arr(ITEM, max_items=MAX_ITEMS),
    },
    required=("external_id",),
    description="One of customer_id, phone or email links the order to a customer.",
)


def order_input(body: dict[str, Any]) -> OrderInput:
    """The action's input from a validated body (422 when no customer is named)."""
    if not any(body.get(k) for k in ("customer_id", "phone", "email")):
        raise Invalid("give customer_id, phone or email", code="no_customer")
    items = tuple(
        ItemInput(
            name=i["name"],
            quantity=i.get("quantity", 1),
            unit_price_cents=i.get("unit_price_cents", 0),
            sku=i.get("sku") or None,
        )
        for i in body.get("items", [])
    )
    if body.get("total_cents") is None:
        total = sum(i.quantity * i.unit_price_cents for i in items)
        if total > INT32_MAX:
            raise Invalid(f"the order total must be at most {INT32_MAX} cents", code="invalid")
    return OrderInput(
        external_id=body["external_id"],
        customer_id=body.get("customer_id"),
        phone=body.get("phone"),
        email=body.get("email"),
        name=body.get("name") or None,
        number=body.get("number") or None,
        source=body.get("source", "online"),
        store_code=(body.get("store_code") or "").upper() or None,
        status=body.get("status", "placed"),
        pickup_location=body.get("pickup_location") or None,
        currency=body.get("currency", "USD").upper(),
        total_cents=body.get("total_cents"),
        placed_at=body.get("placed_at"),
        items=items,
    )


async def upsert(call: Call) -> Reply:
    data = order_input(call.body)
    # Two first deliveries of the same order racing: the loser's insert hits the
    # unique external_id, and its retry finds the winner's order and updates it.
    for attempt in range(2):
        try:
            async with call.hub.uow() as uow:
                order, created = await upsert_order(uow, data, channel="api")
                reply = Reply(order_dict(order), status=201 if created else 200)
            return reply
        except IntegrityError:
            if attempt:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


def endpoints() -> list[Endpoint]:
    return [
        Endpoint(
            "POST",
            "/orders",
            upsert,
            operation_id="upsertOrder",
            summary="Create or update an order (idempotent on external_id)",
            description=(
                "201 when the order is new (a `purchase` event is added to the customer's "
                "timeline), 200 when it existed (its status, items, totals are updated; "
                "sending the same payload again changes nothing). A phone or email not "
                "known yet creates the customer."
            ),
            tag="orders",
            body=Body(ORDER_BODY),
            errors=[404],
            responses={
                200: ("The updated order", Ref("Order")),
                201: ("The new order", Ref("Order")),
            },
        )
    ]
