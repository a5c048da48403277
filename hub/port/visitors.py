"""What the web chat widget asks of the hub for its visitors (``HubPort.visitors``).

A visitor is named by its widget identity, ``(kind, address)`` (a visitor id or a
signed user id); methods that act for it resolve that identity to its customer
(creating both on first use) in their own transaction. Nothing here returns an ORM
object.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from hub.actions.csat import answer_survey, pending_survey
from hub.actions.customers import get_customer, resolve_identity
from hub.actions.handoff import HandoffMessage, offer_handoff
from hub.actions.verification import Challenge, confirm_verification, start_verification
from hub.core import Hub, UnitOfWork
from hub.errors import NotFound
from hub.models import Identity
from hub.port.refs import EventRef
from hub.queries.visitors import addresses_of, visible_messages, widget_identities
from hub.types import IdentityKey

__all__ = ["Challenge", "Handoff", "HandoffMessage", "SurveyRef", "VisitorHistory", "VisitorPort"]


@dataclass(frozen=True)
class SurveyRef:
    """A CSAT survey as the widget's rating control shows it."""

    id: int
    question_event_id: int | None
    score: int | None


@dataclass(frozen=True)
class VisitorHistory:
    """What a connecting widget is told: its customer (None before its first message),
    the messages it may read, oldest first, and the survey it was asked among them
    that still awaits an answer."""

    customer_id: int | None
    messages: tuple[EventRef, ...]
    pending_survey: SurveyRef | None


@dataclass(frozen=True)
class Handoff:
    """A handoff asked for: the visitor's customer and the code, or ``code`` None when
    the customer has no verified identity to write to (nothing was created).
    ``address``: where the message quoting the code went."""

    customer_id: int
    code: str | None
    address: str | None = None


class VisitorPort:
    """The widget's visitors: history, one-time codes, handoffs, ratings."""

    def __init__(self, hub: Hub) -> None:
        self.hub = hub

    async def history(
        self,
        channel: str,
        identities: Sequence[IdentityKey],
        speaking: IdentityKey,
        *,
        limit: int,
    ) -> VisitorHistory:
        """The last ``limit`` messages on ``channel`` through ``identities`` (never by
        customer: a merge or an asserted phone must not show a visitor other people's
        chats) and the customer behind ``speaking``, following merges."""
        async with self.hub.read() as session:
            found = await widget_identities(session, identities)
            own = next((i for i in found if (i.kind, i.address) == speaking), None)
            customer_id = await _live_customer(session, own)
            messages = await visible_messages(session, channel, [i.id for i in found], limit)
            survey = None
            if customer_id is not None and messages:
                pending = await pending_survey(session, customer_id)
                if pending is not None and pending.question_event_id in {m.id for m in messages}:
                    survey = SurveyRef(pending.id, pending.question_event_id, pending.score)
            return VisitorHistory(customer_id, tuple(EventRef.of(m) for m in messages), survey)

    async def addresses(self, customer_id: int, kinds: Sequence[str]) -> list[IdentityKey]:
        """The customer's identities of ``kinds`` (e.g. the widget's, to reach its tabs)."""
        async with self.hub.read() as session:
            return await addresses_of(session, customer_id, kinds)

    async def start_verification(
        self, visitor: IdentityKey, kind: str, address: str, *, via: str, client: str
    ) -> Challenge:
        """Send a one-time code to ``(kind, address)`` for the visitor's customer
        (``hub.actions.verification.start_verification``); the caller keeps the
        challenge. Raises ``HubError`` (taken, unreachable, too many texts…)."""
        async with self.hub.uow() as uow:
            customer_id = await _customer_id(uow, visitor)
            return await start_verification(uow, customer_id, kind, address, via=via, client=client)

    async def confirm_verification(
        self, challenge: Challenge, code: str
    ) -> tuple[IdentityKey | None, Challenge | None]:
        """Check ``code``: ``((kind, address) verified, None)`` on success, else
        ``(None, the challenge with one try less)`` or ``(None, None)`` once it is spent."""
        async with self.hub.uow() as uow:
            identity, remaining = await confirm_verification(uow, challenge, code)
            return (_key(identity) if identity is not None else None), remaining

    async def hand_off(
        self,
        visitor: IdentityKey,
        *,
        from_channel: str,
        to_channel: str,
        message: HandoffMessage | None = None,
        client: str | None = None,
    ) -> Handoff:
        """A handoff code for the visitor's customer (created if new, and kept even when
        no code is given) and, with ``message``, the text or mail quoting it
        (``hub.actions.handoff.offer_handoff``). Raises ``HubError`` when refused."""
        async with self.hub.uow() as uow:
            customer_id = await _customer_id(uow, visitor)
            offered = await offer_handoff(
                uow,
                customer_id,
                from_channel=from_channel,
                to_channel=to_channel,
                message=message,
                client=client,
            )
        if offered is None:
            return Handoff(customer_id, None)
        handoff, identity = offered
        return Handoff(customer_id, handoff.code, identity.address if identity else None)

    async def rate(
        self,
        customer_id: int,
        score: int,
        *,
        channel: str,
        provider_id: str,
        survey_id: int | None = None,
    ) -> SurveyRef:
        """Record a rating from the widget's control (``hub.actions.csat.answer_survey``:
        the first answer to a survey stands); returns the answered survey."""
        async with self.hub.uow() as uow:
            survey = await answer_survey(uow, customer_id, score, channel, provider_id, survey_id)
            return SurveyRef(survey.id, survey.question_event_id, survey.score)


async def _customer_id(uow: UnitOfWork, visitor: IdentityKey) -> int:
    _, customer, _ = await resolve_identity(uow, *visitor, verified=True)
    return customer.id


async def _live_customer(session: AsyncSession, identity: Identity | None) -> int | None:
    if identity is None:
        return None
    try:
        return (await get_customer(session, identity.customer_id)).id
    except NotFound:
        return None


def _key(identity: Identity) -> IdentityKey:
    return identity.kind, identity.address
