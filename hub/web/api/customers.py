"""Customers: search, the customer card, the timeline, and writing to a customer."""

from __future__ import annotations

from hub.actions.consent import opt_in_address
from hub.actions.customers import Provenance, get_customer, record_detail
from hub.actions.replies import send_reply
from hub.actions.threads import add_note
from hub.errors import Invalid
from hub.models.consent import API
from hub.queries.customers import customer_card as load_card
from hub.queries.customers import search_customers
from hub.queries.timeline import MAX_PAGE, parse_cursor, timeline_page
from hub.serializers import (
    customer_dict,
    detail_dict,
    event_dict,
    identity_dict,
    opt_in_dict,
    order_dict,
)
from hub.settings import Settings
from hub.web.api.endpoint import Call, Endpoint, Reply
from hub.web.api.schema import INT64_MAX, Arr, Body, Int, Obj, Param, Ref, Str
from hub.web.api.shapes import page_of

# The default message limit; a lower configured limit still answers 422 too_long.
MAX_MESSAGE_CHARS = Settings.max_message_chars

CUSTOMER_ID = Param(
    "customer_id",
    Int(minimum=1),
    required=True,
    location="path",
    description="A customer id; a merged-away id leads to the customer it was merged into.",
)


async def search(call: Call) -> Reply:
    phone, email, q = call.params["phone"], call.params["email"], call.params["q"]
    if not (phone or email or q):
        raise Invalid("give phone, email or q", code="invalid")
    async with call.hub.read() as session:
        found = await search_customers(
            session, phone=phone, email=email, q=q, region=call.hub.settings.default_region
        )
        return Reply({"items": [customer_dict(c, t) for c, t in found]})


async def customer_card(call: Call) -> Reply:
    async with call.hub.read() as session:
        customer = await get_customer(session, call.params["customer_id"])
        card = await load_card(session, customer, recent=0)
        data = customer_dict(customer, card.thread)
        data.setdefault("thread", None)
        data["identities"] = [identity_dict(i) for i in card.identities]
        data["details"] = [detail_dict(d) for d in card.details]
        data["orders"] = [order_dict(o) for o in card.orders]
        return Reply(data)


async def timeline(call: Call) -> Reply:
    before = parse_cursor(call.params["before"])
    if before is not None and before > INT64_MAX:
        raise Invalid("before must be a cursor returned as `next`", code="invalid_cursor")
    limit = call.params["limit"] or 50
    async with call.hub.read() as session:
        customer = await get_customer(session, call.params["customer_id"])
        events, cursor = await timeline_page(session, customer.id, limit=limit, before=before)
        return Reply({"items": [event_dict(e) for e in events], "next": cursor})


async def send_message(call: Call) -> Reply:
    subject = call.body.get("subject")
    template = call.body.get("template")
    data: dict[str, object] = {"subject": subject} if subject else {}
    if template is not None:
        # Positional values for the template's {{1}}, {{2}}…, as the provider names them.
        variables = {str(i): v for i, v in enumerate(template.get("variables", []), start=1)}
        data["template"] = {"sid": template["sid"], "variables": variables}
    async with call.hub.uow() as uow:
        event = await send_reply(
            uow,
            call.params["customer_id"],
            call.body.get("body", ""),
            channel=call.body.get("channel"),
            via="api",
            data=data or None,
        )
        return Reply(event_dict(event), status=202)


async def create_note(call: Call) -> Reply:
    async with call.hub.uow() as uow:
        event = await add_note(uow, call.params["customer_id"], call.body["body"], channel="api")
        return Reply(event_dict(event), status=201)


async def create_detail(call: Call) -> Reply:
    async with call.hub.uow() as uow:
        detail = await record_detail(
            uow, call.params["customer_id"], call.body["key"], call.body["value"], Provenance("api")
        )
        return Reply(detail_dict(detail), status=201)


async def create_opt_in(call: Call) -> Reply:
    async with call.hub.uow() as uow:
        opt_in = await opt_in_address(
            uow,
            call.params["customer_id"],
            call.body["channel"],
            call.body["address"],
            source=API,
            actor=call.actor,
        )
        return Reply(opt_in_dict(opt_in), status=201)


def endpoints() -> list[Endpoint]:
    return [
        Endpoint(
            "GET",
            "/customers",
            search,
            operation_id="searchCustomers",
            summary="Find customers by exact phone or email, or free text",
            description=(
                "At least one of `phone`, `email`, `q` is required. `q` matches names, "
                "addresses, order numbers and details customers gave. Merged-away "
                "customers are not listed. At most 50 results."
            ),
            tag="customers",
            params=[
                Param("phone", Str(min_length=1, max_length=64), description="Any format."),
                Param("email", Str(min_length=1, max_length=320)),
                Param("q", Str(min_length=1, max_length=200), description="Free text."),
            ],
            responses={200: ("Matching customers", page_of("Customer", cursor=False))},
        ),
        Endpoint(
            "GET",
            "/customers/{customer_id}",
            customer_card,
            operation_id="getCustomer",
            summary="A customer with identities, details and orders",
            tag="customers",
            params=[CUSTOMER_ID],
            responses={200: ("The customer", Ref("CustomerCard"))},
        ),
        Endpoint(
            "GET",
            "/customers/{customer_id}/timeline",
            timeline,
            operation_id="getTimeline",
            summary="The customer's timeline, newest first, with cursor pagination",
            tag="customers",
            params=[
                CUSTOMER_ID,
                Param("limit", Int(minimum=1, maximum=MAX_PAGE), description="Default 50."),
                Param(
                    "before",
                    Str(min_length=1, max_length=19, pattern="^[0-9]+$"),
                    description="The `next` cursor of the previous page.",
                ),
            ],
            responses={200: ("A page of events", page_of("Event", cursor=True))},
        ),
        Endpoint(
            "POST",
            "/customers/{customer_id}/messages",
            send_message,
            operation_id="sendMessage",
            summary="Send a message to the customer",
            description=(
                "Queued for delivery on `channel` (default: the channel the customer was "
                "last active on). Answers 202 with the pending event; its status advances "
                "as the provider reports. 422 `unreachable` / `opted_out` when the customer "
                "cannot be reached on that channel. `subject` is used by channels that "
                "have one (email); a reply without it answers the customer's last mail. "
                "On WhatsApp, 422 `window_closed` for free-form text more than 24 hours "
                "after the customer's last message (send an approved `template` instead) "
                "and `no_opt_in` for a template to a number that never opted in. `body` is "
                "required unless `template` is given."
            ),
            tag="customers",
            params=[CUSTOMER_ID],
            body=Body(
                Obj(
                    {
                        "body": Str(min_length=1, max_length=MAX_MESSAGE_CHARS),
                        "channel": Str(
                            min_length=1, max_length=16, description="e.g. sms, webchat, email"
                        ),
                        "subject": Str(
                            min_length=1, max_length=300, description="Email subject (optional)."
                        ),
                        "template": Obj(
                            {
                                "sid": Str(
                                    min_length=1,
                                    max_length=64,
                                    description="the approved template's id (WhatsApp: ContentSid)",
                                ),
                                "variables": Arr(
                                    Str(max_length=1024),
                                    max_items=20,
                                    description="values for {{1}}, {{2}}… in order",
                                ),
                            },
                            required=("sid",),
                            description="an approved provider template instead of free text",
                        ),
                    },
                )
            ),
            responses={202: ("The pending outbound message", Ref("Event"))},
        ),
        Endpoint(
            "POST",
            "/customers/{customer_id}/notes",
            create_note,
            operation_id="addNote",
            summary="Add a private note to the customer's timeline",
            tag="customers",
            params=[CUSTOMER_ID],
            body=Body(Obj({"body": Str(min_length=1, max_length=10_000)}, required=("body",))),
            responses={201: ("The note", Ref("Event"))},
        ),
        Endpoint(
            "POST",
            "/customers/{customer_id}/details",
            create_detail,
            operation_id="addDetail",
            summary="Record a fact about the customer (the same key and value twice is kept once)",
            tag="customers",
            params=[CUSTOMER_ID],
            body=Body(
                Obj(
                    {
                        "key": Str(min_length=1, max_length=64, description="e.g. address"),
                        "value": Str(min_length=1, max_length=2000),
                    },
                    required=("key", "value"),
                )
            ),
            responses={201: ("The detail", Ref("Detail"))},
        ),
        Endpoint(
            "POST",
            "/customers/{customer_id}/opt-ins",
            create_opt_in,
            operation_id="addOptIn",
            summary="Record that the customer agreed to be messaged on a channel",
            description=(
                "For consent given elsewhere (a checkout box, in store): e.g. "
                '`{"channel": "whatsapp", "address": "+15551230000"}` lets approved '
                "WhatsApp templates start a conversation with that number. The address "
                "must be one of the customer's. The first record stands (answered again "
                "unchanged); a STOP from the number still outranks it. Audited."
            ),
            tag="customers",
            params=[CUSTOMER_ID],
            body=Body(
                Obj(
                    {
                        "channel": Str(min_length=1, max_length=16, description="e.g. whatsapp"),
                        "address": Str(min_length=1, max_length=320, description="e.g. a phone"),
                    },
                    required=("channel", "address"),
                )
            ),
            responses={201: ("The opt-in", Ref("OptIn"))},
        ),
    ]
