"""Receiving customer input from any connector: the one inbound write path.

``receive_batch`` stores a batch of inputs in the caller's transaction; a single
input is a batch of one (``receive_inbound``). Group commit (``hub.ingest``) hands it
the inputs of concurrent webhooks; connectors that must do more in the same
transaction, the phone's call actions and the demo writer call ``receive_inbound``.
Read top to bottom, a batch is:

1. ``_checked``: refuse unknown types and invalid addresses (an answer per input);
   the address is normalised here, once.
2. ``_split_replays``: one SELECT of the provider ids already stored; a replay, or a
   repeat within the batch, is answered with the stored event (``duplicate=True``).
3. ``resolve_senders``: the sender's identity, live customer and thread (the identity
   rules are ``resolve_identity``'s).
4. ``_take_ratings``: a bare 1-5 while a CSAT survey is pending is the rating; it is
   kept on the timeline without re-opening the thread (every channel).
5. ``insert_events`` and ``write_back``: the events, thread activity
   (``thread_changes``) and identity sightings, a fixed number of statements.
6. ``_emit``: ``event.created`` per event and one ``thread.updated`` per thread.
7. ``_apply_extras``: identity claims, details and consent keywords the input carries,
   and the details its text mentions (``hub.actions.mentions``).
8. ``_after_commit``: the hub's inbound policies (``Hub.after_inbound``, e.g. the
   out-of-hours reply) run once the transaction committed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from hub import events as ev
from hub.actions.consent import apply_consent
from hub.actions.csat import could_be_rating, parse_csat_reply
from hub.actions.customers import (
    Provenance,
    get_customer,
    get_thread,
    normalize_or_invalid,
    record_claim,
    record_detail,
)
from hub.actions.inbound_rows import (
    attach,
    claimed_addresses,
    insert_events,
    stored_provider_ids,
    with_earlier_messages,
    write_back,
)
from hub.actions.mentions import known_orders, record_found, scan
from hub.actions.senders import Key, Sender, SenderKey, resolve_senders
from hub.actions.timeline import find_event, thread_changes
from hub.core import Hub, UnitOfWork
from hub.db import utcnow
from hub.errors import HubError, Invalid
from hub.models import Customer, Event, Identity, Thread
from hub.models.customer import TYPED_KINDS, VERIFIED
from hub.models.thread import EVENT_TYPES, IN, MESSAGE
from hub.rules.mentions import might_mention
from hub.serializers import event_dict
from hub.types import Inbound, InboundStored

# A text from a number whose identity is younger than this may be the number's first
# (``Received.first_text``).
FIRST_CONTACT = timedelta(minutes=1)


@dataclass
class Received:
    """What storing one input gave: its event, the customer and thread it went to, the
    sender's identity, and whether it was a replay (then nothing changed)."""

    event: Event
    customer: Customer
    thread: Thread
    identity: Identity | None
    duplicate: bool
    # A text from a proven number whose identity is younger than ``FIRST_CONTACT``, the
    # only inbound message its customer has, and a number a live customer gave recently:
    # ``hub.actions.claim_links`` may ask whether that chat was them.
    first_text: bool = False


@dataclass
class _Item:
    index: int
    inbound: Inbound
    address: str
    created_at: datetime
    row: dict[str, Any] | None = None

    @property
    def key(self) -> Key | None:
        """The provider's id, unique per channel; None when the input has none."""
        if self.inbound.provider_id is None:
            return None
        return (self.inbound.channel, self.inbound.provider_id)

    @property
    def sender(self) -> SenderKey:
        return (self.inbound.kind, self.address, self.inbound.customer_id)


async def receive_inbound(uow: UnitOfWork, inbound: Inbound) -> Received:
    """Put one piece of customer input into that customer's thread (a batch of one).

    Resolves (or creates) the customer from the sender's identity, appends the event,
    re-opens a resolved thread, and records the details, identity claims and consent
    keyword the input carries and the details its text mentions. Idempotent on
    ``(inbound.channel, inbound.provider_id)``: a replay returns the stored event with
    ``duplicate=True`` and changes nothing.
    The returned instances belong to ``uow``'s session (changes to them are flushed
    with it). Raises ``HubError`` for input the hub refuses.
    """
    (answer,) = await receive_batch(uow, [inbound])
    if isinstance(answer, HubError):
        raise answer
    return answer


async def receive_batch(
    uow: UnitOfWork, inputs: Sequence[Inbound], *, in_session: bool = True
) -> list[Received | HubError]:
    """Store ``inputs`` in ``uow``'s transaction; an answer per input, in order.

    With ``in_session=False`` the event, customer, thread and identity of a new input
    are plain copies of their rows outside ``uow``'s session (changes to them are not
    stored): for a caller that only reads them (group commit), it saves adding four
    instances per input to the session.

    An input refused before anything is written (unknown type, invalid address) gets
    its ``HubError`` and does not affect the others. A ``HubError`` raised while
    writing (an unknown ``customer_id``, an invalid detail) aborts the transaction:
    the caller retries input by input (``hub.ingest`` does) so only the bad one fails.
    """
    await uow.session.flush()  # the Core statements below see the caller's changes
    answers: list[Received | HubError | None] = [None] * len(inputs)
    items = _checked(inputs, uow.settings.default_region, answers)
    new, repeats = await _split_replays(uow, items)
    wanted: dict[SenderKey, Inbound] = {}
    for item in new:
        wanted.setdefault(item.sender, item.inbound)
    senders = await resolve_senders(uow, wanted)
    await _take_ratings(uow, senders, new)
    rows = await insert_events(
        await uow.session.connection(), [_event_row(item, senders[item.sender]) for item in new]
    )
    for item, row in zip(new, rows, strict=True):
        item.row = row
    written = [item for item in new if item.row is not None]
    _touch(senders, written)
    for item in written:
        answers[item.index] = _received(uow, senders[item.sender], item, in_session)
    await _mark_first_texts(uow, senders, written, answers)
    _emit(uow, [answer for answer in answers if isinstance(answer, Received)])
    await _apply_extras(uow, written, answers)
    _after_commit(uow, written, answers)
    await _answer_repeats(uow, [item for item in new if item.row is None] + repeats, answers)
    # Last: the row locks on threads and identities are held for the shortest time
    # (concurrent batches of other processes queue on the same senders' rows).
    await write_back(await uow.session.connection(), senders.values())
    return [answer for answer in answers if answer is not None]


def _checked(
    inputs: Sequence[Inbound], region: str, answers: list[Received | HubError | None]
) -> list[_Item]:
    items = []
    for index, inbound in enumerate(inputs):
        try:
            if inbound.type not in EVENT_TYPES:
                raise Invalid(f"unknown event type {inbound.type!r}")
            address = normalize_or_invalid(inbound.kind, inbound.address, region)
        except HubError as exc:
            answers[index] = exc
            continue
        items.append(_Item(index, inbound, address, inbound.occurred_at or utcnow()))
    return items


async def _split_replays(uow: UnitOfWork, items: list[_Item]) -> tuple[list[_Item], list[_Item]]:
    """``(new, repeats)``: an input whose provider id is stored, or repeats an earlier
    input of the batch, is a repeat."""
    keys = {item.key for item in items if item.key is not None}
    stored = await stored_provider_ids(await uow.session.connection(), keys)
    seen: set[Key] = set()
    new, repeats = [], []
    for item in items:
        key = item.key
        if key is not None and (key in stored or key in seen):
            repeats.append(item)
            continue
        if key is not None:
            seen.add(key)
        new.append(item)
    return new, repeats


async def _take_ratings(
    uow: UnitOfWork, senders: dict[SenderKey, Sender], items: list[_Item]
) -> None:
    """A text that answers the customer's pending CSAT survey records the rating and is
    kept (``data.csat``) without awaiting a reply, so the resolved thread stays so."""
    for item in items:
        inbound = item.inbound
        if not could_be_rating(inbound):
            continue
        customer_id = senders[item.sender].customer["id"]
        survey = await parse_csat_reply(
            uow, customer_id, inbound.body or "", inbound.channel, inbound.provider_id
        )
        if survey is not None:
            csat = {"survey_id": survey.id, "score": survey.score}
            item.inbound = replace(inbound, awaits_reply=False, data={**inbound.data, "csat": csat})


def _event_row(item: _Item, sender: Sender) -> dict[str, Any]:
    inbound = item.inbound
    assert sender.thread is not None
    data = dict(inbound.data)
    if inbound.media:
        data["media"] = [{"url": m.url, "content_type": m.content_type} for m in inbound.media]
    return {
        "customer_id": sender.customer["id"],
        "thread_id": sender.thread["id"],
        "type": inbound.type,
        "channel": inbound.channel,
        "direction": IN,
        "body": inbound.body,
        "provider_id": inbound.provider_id,
        "status": inbound.status,
        "error_code": None,
        "error_message": None,
        "identity_id": sender.identity["id"],
        "agent_id": None,
        "terminal_id": None,
        "data": data,
        "created_at": item.created_at,
        "updated_at": item.created_at,
    }


def _touch(senders: dict[SenderKey, Sender], items: list[_Item]) -> None:
    """Apply the stored events to their senders' thread and identity dicts."""
    now = utcnow()
    for item in items:
        sender = senders[item.sender]
        assert sender.thread is not None
        sender.seen = True
        sender.identity["last_seen_at"] = now
        inbound = item.inbound
        sender.thread.update(
            thread_changes(
                sender.thread,
                type=inbound.type,
                channel=inbound.channel,
                direction=IN,
                body=inbound.body,
                created_at=item.created_at,
                awaits_reply=inbound.awaits_reply,
            )
        )


def _received(uow: UnitOfWork, sender: Sender, item: _Item, in_session: bool) -> Received:
    assert sender.thread is not None and item.row is not None
    session = uow.session
    return Received(
        attach(session, Event, item.row, add=in_session),
        attach(session, Customer, sender.customer, add=in_session),
        attach(session, Thread, sender.thread, add=in_session),
        attach(session, Identity, sender.identity, add=in_session),
        duplicate=False,
    )


async def _mark_first_texts(
    uow: UnitOfWork,
    senders: dict[SenderKey, Sender],
    items: list[_Item],
    answers: list[Received | HubError | None],
) -> None:
    """Set ``Received.first_text``: for texts from young proven identities, one query of
    which of their customers had an inbound message before this batch (an EXISTS: it
    stops at the first), then, for the customers' only texts, one look-up of recent
    claims on their numbers; no query at all without such texts. So neither a known
    sender's text nor a new number nobody gave costs ``claim_links`` a transaction."""
    now = utcnow()
    candidates = [
        item
        for item in items
        if item.inbound.type == MESSAGE and _young_proven(senders[item.sender].identity, now)
    ]
    if not candidates:
        return
    in_batch = Counter(
        senders[item.sender].customer["id"] for item in items if item.inbound.type == MESSAGE
    )
    earlier = await with_earlier_messages(
        await uow.session.connection(),
        {senders[item.sender].customer["id"] for item in candidates},
        {item.row["id"] for item in items if item.row is not None},
    )
    firsts = [
        item
        for item in candidates
        if in_batch[customer_id := senders[item.sender].customer["id"]] == 1
        and customer_id not in earlier
    ]
    claimed = await claimed_addresses(
        await uow.session.connection(),
        {(item.inbound.kind, item.address) for item in firsts},
        since=now - timedelta(hours=uow.settings.claim_match_hours),
    )
    for item in firsts:
        answer = answers[item.index]
        assert isinstance(answer, Received)
        answer.first_text = (item.inbound.kind, item.address) in claimed


def _young_proven(identity: dict[str, Any], now: datetime) -> bool:
    return (
        identity["kind"] in TYPED_KINDS
        and identity["verification"] == VERIFIED
        and now - identity["created_at"] < FIRST_CONTACT
    )


def _emit(uow: UnitOfWork, received: list[Received]) -> None:
    """``event.created`` per new event, then one ``thread.updated`` per thread (its
    state after the batch)."""
    threads: dict[int, Received] = {}
    for answer in received:
        customer = answer.customer
        payload = {"customer_id": customer.id, "event": event_dict(answer.event)}
        uow.emit(ev.DomainEvent(ev.EVENT_CREATED, payload, customer.id))
        threads[answer.thread.id] = answer
    for answer in threads.values():
        uow.emit(ev.thread_updated(answer.thread, answer.customer.id))


async def _apply_extras(
    uow: UnitOfWork, items: list[_Item], answers: list[Received | HubError | None]
) -> None:
    """The identities claimed, details given and consent keyword an input carries, and
    the details a message mentions (a cheap filter first: most texts mention none)."""
    # Every text is scanned first, and the order numbers of the whole batch are looked
    # up with one query, not one per message.
    scans = {
        item.index: found
        for item in items
        if item.inbound.type == MESSAGE
        and might_mention(item.inbound.body)
        and (found := scan(uow, item.inbound.body))
    }
    known = (
        await known_orders(uow, (m for found in scans.values() for m in found)) if scans else set()
    )
    for item in items:
        inbound = item.inbound
        answer = answers[item.index]
        assert isinstance(answer, Received)
        customer_id, event = answer.customer.id, answer.event
        source = Provenance.of(event)
        for claim in inbound.claims:
            await record_claim(uow, customer_id, claim, source)
        for key, value in inbound.details.items():
            if value and value.strip():
                await record_detail(uow, customer_id, key, value, source)
        if item.index in scans:
            await record_found(
                uow,
                customer_id,
                event,
                scans[item.index],
                known,
                sender=(inbound.kind, item.address),
            )
        if inbound.consent is not None and answer.identity is not None:
            await apply_consent(uow, answer.identity.id, inbound.consent)


def _after_commit(
    uow: UnitOfWork, items: list[_Item], answers: list[Received | HubError | None]
) -> None:
    hub = uow.hub
    if not hub.inbound_hooks or not items:
        return
    stored = []
    for item in items:
        answer = answers[item.index]
        assert isinstance(answer, Received)
        inbound = item.inbound
        stored.append(
            InboundStored(
                customer_id=answer.customer.id,
                event_id=answer.event.id,
                channel=inbound.channel,
                type=inbound.type,
                awaits_reply=inbound.awaits_reply,
                consent=inbound.consent,
                live=inbound.occurred_at is None,
            )
        )
    uow.on_commit(partial(_run_inbound_hooks, hub, stored))


async def _run_inbound_hooks(hub: Hub, stored: list[InboundStored]) -> None:
    for one in stored:
        await hub.run_inbound_hooks(one)


async def _answer_repeats(
    uow: UnitOfWork, items: list[_Item], answers: list[Received | HubError | None]
) -> None:
    """Replays answer with the stored event: the one stored earlier in this batch, or
    the one stored before (or by a concurrent transaction just now)."""
    first: dict[Key, Received] = {}
    for answer in answers:
        if isinstance(answer, Received) and answer.event.provider_id is not None:
            first.setdefault((answer.event.channel, answer.event.provider_id), answer)
    for item in items:
        assert item.key is not None
        earlier = first.get(item.key)
        if earlier is not None:
            answers[item.index] = replace(earlier, duplicate=True, first_text=False)
            continue
        stored = await find_event(uow, *item.key)
        if stored is None:  # pragma: no cover - the winner rolled back
            raise RuntimeError(f"event {item.key} conflicted but is missing")
        answers[item.index] = await duplicate_of(uow, stored)


async def duplicate_of(uow: UnitOfWork, event: Event) -> Received:
    """What a replay of ``event`` answers: the stored event, its live customer and thread."""
    customer = await get_customer(uow.session, event.customer_id)
    thread = await get_thread(uow.session, customer.id)
    identity = await uow.session.get(Identity, event.identity_id) if event.identity_id else None
    return Received(event, customer, thread, identity, duplicate=True)
