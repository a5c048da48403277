"""Documented shapes of what the API answers (mirrors ``hub.serializers``).

These are ``components/schemas`` of the OpenAPI document. Keep them in step with
``hub/serializers.py``: the API tests validate real responses against them.
"""

from __future__ import annotations

from hub.models.thread import THREAD_STATUSES
from hub.web.api.schema import Arr, Bool, DateTime, Int, Obj, Ref, Schema, Str


def _obj(description: str, **properties: Schema) -> Obj:
    """A response object: every listed property is always present; more may be added."""
    return Obj(properties, required=tuple(properties), extra=True, description=description)


def _text(description: str = "") -> Str:
    return Str(nullable=True, strip=False, description=description)


ERROR = Obj(
    {
        "error": _obj(
            "What went wrong.",
            code=Str(description="Stable machine-readable code, e.g. `invalid`, `not_found`."),
            message=Str(description="Human-readable explanation naming the offending field."),
        )
    },
    required=("error",),
    extra=True,
    description="Every error answer has this shape.",
)

THREAD = _obj(
    "The customer's one conversation thread.",
    id=Int(),
    customer_id=Int(),
    status=Str(enum=THREAD_STATUSES),
    assignee_id=Int(nullable=True),
    last_channel=_text("Channel the customer was last active on."),
    last_activity_at=DateTime(),
    last_message_preview=_text(),
    waiting_since=DateTime(nullable=True, description="Oldest unanswered customer message."),
    unread_count=Int(),
)

CUSTOMER = Obj(
    {
        "id": Int(),
        "name": _text(),
        "created_at": DateTime(),
        "merged_into_id": Int(nullable=True),
        "thread": Ref("Thread"),
    },
    required=("id", "name", "created_at", "merged_into_id"),
    extra=True,
    description="A customer (one person across every channel).",
)

IDENTITY = _obj(
    "How the customer is reached or recognised.",
    id=Int(),
    kind=Str(description="phone, email, visitor, user or loyalty"),
    address=Str(description="Normalised: E.164 phone, lower-cased email, ids."),
    verification=Str(enum=("verified", "asserted")),
    sms_opted_out=Bool(),
    created_at=DateTime(),
)

DETAIL = _obj(
    "A fact the customer gave, with where it came from.",
    id=Int(),
    key=Str(),
    value=Str(),
    channel=Str(),
    source_event_id=Int(nullable=True),
    created_at=DateTime(),
)

OPT_IN = _obj(
    "A recorded permission to message one of the customer's addresses on a channel.",
    identity_id=Int(),
    channel=Str(),
    source=Str(description="customer_message, keyword, agent or api"),
    created_at=DateTime(),
)

ORDER_ITEM = _obj(
    "One line of an order.",
    sku=_text(),
    name=Str(),
    quantity=Int(),
    unit_price_cents=Int(),
)

ORDER = _obj(
    "An order from the online shop or a store's POS.",
    id=Int(),
    external_id=Str(),
    customer_id=Int(nullable=True),
    number=_text(),
    source=Str(enum=("online", "store")),
    store_code=_text(),
    status=Str(),
    pickup_location=_text(),
    pickup_status=_text("pending, ready or picked_up for a pickup order (from the shop)."),
    fulfillment_status=_text("The shop's fulfilment status, when the order is from a shop."),
    currency=Str(),
    total_cents=Int(),
    placed_at=DateTime(),
    items=Arr(Ref("OrderItem")),
)

EVENT = _obj(
    "One timeline entry.",
    id=Int(),
    customer_id=Int(),
    thread_id=Int(),
    type=Str(description="message, call, note, visit, purchase, handoff, merge, ..."),
    channel=Str(description="webchat, sms, whatsapp, email, phone, instore, console, api"),
    direction=Str(enum=("in", "out"), nullable=True),
    body=_text(),
    status=_text("Delivery status of outbound messages; call status of calls."),
    error_code=_text(),
    error_message=_text(),
    provider_id=_text("The provider's id, unique per channel."),
    agent_id=Int(nullable=True),
    data=Obj({}, extra=True, description="Channel-specific data (media, call details...)."),
    created_at=DateTime(),
)

CUSTOMER_CARD = Obj(
    {
        **CUSTOMER.properties,
        "thread": Ref("Thread", nullable=True),
        "identities": Arr(Ref("Identity")),
        "details": Arr(Ref("Detail")),
        "orders": Arr(Ref("Order"), description="Newest first."),
    },
    required=(*CUSTOMER.required, "thread", "identities", "details", "orders"),
    extra=True,
    description="A customer with everything whoever picks up next should know.",
)

COMPONENTS: dict[str, Schema] = {
    "Error": ERROR,
    "Thread": THREAD,
    "Customer": CUSTOMER,
    "CustomerCard": CUSTOMER_CARD,
    "Identity": IDENTITY,
    "Detail": DETAIL,
    "OptIn": OPT_IN,
    "Order": ORDER,
    "OrderItem": ORDER_ITEM,
    "Event": EVENT,
}


def page_of(name: str, *, cursor: bool) -> Obj:
    """``{"items": [...]}``, with ``next`` when the list is paginated."""
    properties: dict[str, Schema] = {"items": Arr(Ref(name))}
    if cursor:
        properties["next"] = Str(
            nullable=True,
            description="Pass as `before` for the next (older) page; null at the end.",
        )
    return Obj(properties, required=tuple(properties), extra=True)
