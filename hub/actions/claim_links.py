"""Linking a caller or texter to a recent chat, on their own proof.

A phone number someone gave in a chat (typed in a field or written in a message) is
only a claim. When that number then calls or texts, the carrier proves the caller holds
it, but not that the caller is the person who chatted. So the hub asks them: the IVR
says "It looks like you were just chatting with us on our website. Press 1 if that
was you." and a first text gets "Reply YES if you were just chatting with us on our
website." A press of 1 or a YES *from that number* is the proof: the caller's record
is merged into the chat's (audited as a merge by ``ivr``/``sms-confirm``, undone from
the audit page like any merge). No answer links nothing; the agent still sees the chat
as a suggested match (``hub.queries.suggestions``).

These actions only write: the recent claims they act on are read by their caller
(``hub.port``, with ``hub.queries.suggestions``) in the same transaction and passed in.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from sqlalchemy import func, select

from hub.actions.calls import CallAnswer, start_call
from hub.actions.customers import get_customer, normalize_or_invalid, resolve_identity
from hub.actions.inbound import FIRST_CONTACT, Received
from hub.actions.merge import merge_customers
from hub.actions.replies import send_reply
from hub.actions.timeline import find_event
from hub.core import UnitOfWork
from hub.db import utcnow
from hub.errors import HubError
from hub.models import Customer, Event
from hub.models.customer import TYPED_KINDS
from hub.models.thread import IN, MESSAGE, OUT
from hub.types import Inbound

CONFIRM_PROMPT = "Reply YES if you were just chatting with us on our website."
CONFIRM_VIA = "confirm_link"
CONFIRM_TTL = timedelta(hours=1)
YES_WORDS = frozenset({"yes", "y", "yes.", "yes!", "yep", "oui", "si", "sí", "ja"})


async def start_confirmed_call(
    uow: UnitOfWork, inbound: Inbound, claimant: Customer | None, reason: str
) -> CallAnswer | None:
    """The caller pressed 1 ("that was me"): link them to ``claimant``, who made the
    newest recent claim on their number (``hub.queries.suggestions.claims_on``; its
    ``reason`` goes into the audited merge), and start the call on that customer's
    thread. Returns None when no recent claim exists any more (``claimant`` is None:
    the caller then goes on as an unknown caller).

    The caller's number becomes a verified identity of a customer of its own first
    (the carrier proved it), which is then merged into the claimant, so unmerging the
    link gives the caller back their number and this call."""
    if inbound.provider_id is not None:
        existing = await find_event(uow, inbound.channel, inbound.provider_id)
        if existing is not None:
            return await start_call(uow, inbound)  # a replay answers what was stored
    if claimant is None:
        return None
    address = normalize_or_invalid(inbound.kind, inbound.address, uow.settings.default_region)
    _, caller, _ = await resolve_identity(uow, inbound.kind, address, verified=True)
    merge = None
    if caller.id != claimant.id:
        merge = await merge_customers(
            uow,
            caller.id,
            claimant.id,
            actor="ivr",
            reason=f"The caller pressed 1 to confirm the web chat. {reason}"[:200],
        )
    answer = await start_call(uow, inbound, recognised_by="confirmed")
    if merge is not None and not answer.duplicate:
        # Unmerging the link takes this call back to the caller's own thread too.
        moved = dict(merge.moved)
        moved["events"] = [*moved.get("events", []), answer.event.id]
        merge.moved = moved
    return answer


async def start_call_with_order_number(
    uow: UnitOfWork, inbound: Inbound, digits: str
) -> CallAnswer:
    """A caller with no match keyed in digits that are no handoff code but an order
    number (a known order's, or one a recent chat gave: the caller checked with
    ``hub.queries.suggestions.keyed_order_matches``): start the call as the caller's
    own, with ``keyed_order`` on the call so the pop suggests that order's customer.
    Never a link (order numbers are guessable)."""
    keyed = "".join(ch for ch in digits if ch.isdigit())
    return await start_call(uow, replace(inbound, data={**inbound.data, "keyed_order": keyed}))


def may_link(received: Received) -> bool:
    """Whether ``after_text`` can do anything for ``received`` (no query): a YES, or
    the first text from a number (its identity is brand new and its customer has no
    other inbound message: ``Received.first_text``, counted with the batch)."""
    identity = received.identity
    if received.duplicate or identity is None or identity.kind not in TYPED_KINDS:
        return False
    if is_yes(received.event.body):
        return True
    return received.first_text and utcnow() - identity.created_at < FIRST_CONTACT


def is_yes(body: str | None) -> bool:
    """Whether a text says YES (to the confirmation prompt, if one is open)."""
    return (body or "").strip().lower() in YES_WORDS


async def after_text(uow: UnitOfWork, received: Received, claimant: Customer | None) -> None:
    """What a stored text from a proven number may set off (``received`` is new):

    - a YES answering our confirmation prompt links the texter to the chat the prompt
      named (a merge by ``sms-confirm``), while the prompt is less than an hour old;
    - the first text from a number a recent chat gave gets that prompt (once), naming
      ``claimant``, the newest other customer who gave the number recently
      (``hub.queries.suggestions.recent_claims``, None: nobody); agents see the chat as
      a suggested match either way.
    """
    event, identity = received.event, received.identity
    if identity is None or identity.kind not in TYPED_KINDS or event.type != MESSAGE:
        return
    if identity.verification != "verified":
        return
    customer = await get_customer(uow.session, received.customer.id)
    body = (event.body or "").strip().lower()
    if body in YES_WORDS:
        prompt = await _open_prompt(uow, customer.id)
        if prompt is None:
            return
        claimant_id = int(prompt.data["claimant_customer_id"])
        claimant = await get_customer(uow.session, claimant_id)
        if claimant.id != customer.id:
            await merge_customers(
                uow,
                customer.id,
                claimant.id,
                actor="sms-confirm",
                reason="The texter answered YES to confirm the web chat",
            )
        prompt.data = {**prompt.data, "answered": True}
        return
    if claimant is None or await _inbound_count(uow, customer.id) != 1:
        return
    try:
        await send_reply(
            uow,
            customer.id,
            CONFIRM_PROMPT,
            channel=event.channel,
            via=CONFIRM_VIA,
            identity_id=identity.id,
            data={"claimant_customer_id": claimant.id},
        )
    except HubError:
        return  # opted out, or the channel cannot answer: the suggestion remains


async def _open_prompt(uow: UnitOfWork, customer_id: int) -> Event | None:
    found = await uow.session.execute(
        select(Event)
        .where(
            Event.customer_id == customer_id,
            Event.direction == OUT,
            Event.type == MESSAGE,
            Event.created_at >= utcnow() - CONFIRM_TTL,
        )
        .order_by(Event.id.desc())
        .limit(5)
    )
    for event in found.scalars():
        if event.data.get("via") == CONFIRM_VIA and not event.data.get("answered"):
            return event
    return None


async def _inbound_count(uow: UnitOfWork, customer_id: int) -> int:
    found = await uow.session.execute(
        select(func.count())
        .select_from(Event)
        .where(Event.customer_id == customer_id, Event.direction == IN, Event.type == MESSAGE)
    )
    return int(found.scalar_one())
