"""Small shared types: what connectors hand the core, and what the core hands back."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

JSONDict = dict[str, Any]
# An identity as ``(kind, address)``, e.g. ``("phone", "+15551234567")``.
IdentityKey = tuple[str, str]


@dataclass(frozen=True)
class Media:
    url: str
    content_type: str | None = None


@dataclass(frozen=True)
class IdentityClaim:
    """An extra identity an inbound carries, e.g. a phone typed into the widget."""

    kind: str
    address: str
    verified: bool = False


@dataclass(frozen=True)
class Inbound:
    """A verified piece of customer input from a connector.

    ``kind``/``address`` is how the sender is recognised (a phone number for SMS, a
    visitor id for the widget), as the provider gave it: the hub normalises it.
    ``verified`` says whether the channel proves the sender owns it. ``provider_id``
    is unique per channel and makes replays no-ops. ``consent`` is the consent keyword
    the message is (``hub.actions.consent``: ``stop``/``start``/``help``), recorded on
    the sender's identity in the same transaction; such a message gets no automatic
    answer. ``occurred_at`` is for history loaded after the fact (demo data): input
    with a past time is not answered by the hub's policies.
    """

    channel: str
    kind: str
    address: str
    body: str | None = None
    provider_id: str | None = None
    verified: bool = True
    type: str = "message"
    status: str | None = None
    name: str | None = None
    media: tuple[Media, ...] = ()
    details: Mapping[str, str] = field(default_factory=dict)
    claims: tuple[IdentityClaim, ...] = ()
    data: JSONDict = field(default_factory=dict)
    occurred_at: datetime | None = None
    customer_id: int | None = None
    # Whether this input should re-open the thread and count as "customer waiting".
    awaits_reply: bool = True
    consent: str | None = None


@dataclass(frozen=True)
class CallUpdate:
    """What the provider says of a call: ``call_id`` on ``channel`` is ``status``
    (``queued``, ``ringing``, ``in-progress``, ``completed``…), lasting ``duration``
    seconds once it ended. A status callback brings one; placing a call gives the first."""

    channel: str
    call_id: str
    status: str
    duration: int | None = None


@dataclass(frozen=True)
class InboundStored:
    """New customer input, committed: what the hub's inbound policies see
    (``Hub.after_inbound``). ``awaits_reply`` is as stored (a CSAT rating does not);
    ``live`` is False for history recorded with a past ``occurred_at``."""

    customer_id: int
    event_id: int
    channel: str
    type: str
    awaits_reply: bool
    consent: str | None
    live: bool


@dataclass(frozen=True)
class ItemInput:
    """One line of an order, as the shop, the POS, the REST API or an import gives it;
    ``external_id`` is the source's own id of the line (a shop's refunds name it)."""

    name: str
    quantity: int = 1
    unit_price_cents: int = 0
    sku: str | None = None
    external_id: str | None = None


@dataclass(frozen=True)
class OrderInput:
    """An order as the shop, the POS, the REST API or an import gives it: its customer
    by ``customer_id``, else by ``phone`` or ``email`` (``hub.actions.orders.upsert_order``);
    ``total_cents`` None is the sum of the items."""

    external_id: str
    customer_id: int | None = None
    phone: str | None = None
    email: str | None = None
    name: str | None = None
    number: str | None = None
    source: str = "online"
    store_code: str | None = None
    status: str = "placed"
    pickup_location: str | None = None
    currency: str = "USD"
    total_cents: int | None = None
    placed_at: datetime | None = None
    items: tuple[ItemInput, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class Outbound:
    """A committed outbound message a connector must deliver."""

    event_id: int
    customer_id: int
    channel: str
    kind: str
    address: str
    body: str
    agent_name: str | None = None
    media: tuple[Media, ...] = ()
    data: JSONDict = field(default_factory=dict)


@dataclass(frozen=True)
class SendResult:
    """What the provider said: its id for the message and the status it reported."""

    provider_id: str | None
    status: str = "sent"


@dataclass(frozen=True)
class TemplateOption:
    """A provider-approved message template an agent may send (WhatsApp's outside
    its 24-hour window): its id, name, text with ``{{n}}`` placeholders."""

    id: str
    name: str
    body: str
    placeholders: tuple[str, ...] = ()
    language: str = ""


@dataclass(frozen=True)
class Recipient:
    """One of the customer's addresses as a channel's reply rules see it
    (``Connector.prepare_reply`` / ``reply_options``); ``opted_out``: the number sent
    STOP."""

    identity_id: int
    customer_id: int
    kind: str
    address: str
    opted_out: bool = False


@dataclass(frozen=True)
class ReplyOptions:
    """What a channel tells the console's reply box about replying now.

    ``free_form``: whether typed text may go out; ``free_form_until``: when that ends
    (the box shows the time left); ``notice``: why, in words; ``templates``: what may
    be sent instead (or as well).
    """

    free_form: bool = True
    free_form_until: datetime | None = None
    notice: str | None = None
    templates: tuple[TemplateOption, ...] = ()
