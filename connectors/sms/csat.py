"""A text answering the CSAT survey: recorded as the rating, not as a new request.

Like Zendesk and Gorgias, a customer who replies "4" to "How did we do? Reply 1–5"
rates the resolved conversation; the thread stays resolved and nobody is asked to
answer. The text is still kept on the timeline (marked with ``data.csat``) so agents
see what was said. Anything else, or a digit when no survey is pending (or it is
older than ``hub.actions.csat.ANSWER_WINDOW``), is an ordinary message.
"""

from __future__ import annotations

from dataclasses import replace

from hub.actions.csat import parse_csat_reply
from hub.actions.customers import find_identity, get_customer
from hub.actions.inbound import receive_inbound
from hub.actions.timeline import find_event
from hub.core import Hub
from hub.identity import InvalidAddress, normalize_phone
from hub.models.customer import PHONE
from hub.types import Inbound

# Longer texts cannot be a bare score ("4." at most), so they skip the lookup.
MAX_SCORE_CHARS = 3


def could_be_score(inbound: Inbound) -> bool:
    """A cheap filter before any query ("ok", "hi" and long texts fail it);
    ``parse_csat_reply`` decides what a score is."""
    body = (inbound.body or "").strip()
    return (
        0 < len(body) <= MAX_SCORE_CHARS and not inbound.media and any(c in "12345" for c in body)
    )


async def record_rating(hub: Hub, inbound: Inbound) -> bool:
    """Record ``inbound`` as the answer to the sender's pending survey, if it is one.

    Returns True when it was (the text is stored without re-opening the thread, in
    the same transaction as the score), False for an ordinary message. A replayed
    MessageSid is left to the ordinary path, which sees it as a duplicate.
    """
    if not could_be_score(inbound) or inbound.provider_id is None:
        return False
    try:
        address = normalize_phone(inbound.address, hub.settings.default_region)
    except InvalidAddress:
        return False
    async with hub.uow() as uow:
        if await find_event(uow, inbound.channel, inbound.provider_id) is not None:
            return False
        identity = await find_identity(uow.session, PHONE, address)
        if identity is None:
            return False
        customer = await get_customer(uow.session, identity.customer_id)
        survey = await parse_csat_reply(
            uow, customer.id, inbound.body or "", inbound.channel, inbound.provider_id
        )
        if survey is None:
            return False
        data = {**inbound.data, "csat": {"survey_id": survey.id, "score": survey.score}}
        await receive_inbound(uow, replace(inbound, awaits_reply=False, data=data))
    return True
