""" "Continue by phone" / "Continue by SMS" from the widget.

Both give the visitor a one-time handoff code and the hub's number. By SMS the hub
also texts the customer first, but only at a VERIFIED phone of theirs (it texted or
called in, or the visitor confirmed a one-time code): a number typed into the widget is
merely asserted and may belong to someone else. The SMS
goes through whichever connector can reach a phone (``reply_kinds``), so this
module never names another channel.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from connectors.webchat.identity import Principal
from hub.actions.customers import resolve_identity
from hub.actions.handoff import create_handoff_code
from hub.actions.replies import send_reply
from hub.errors import HubError
from hub.models import Identity
from hub.models.customer import PHONE, VERIFIED

if TYPE_CHECKING:
    from connectors.base import Connector
    from connectors.webchat.connector import WebchatConnector


def _failure(code: str, message: str) -> dict[str, Any]:
    return {"ok": False, "error": code, "message": message}


def phone_connector(webchat: WebchatConnector) -> Connector | None:
    """A registered connector that delivers replies to phone numbers, if any."""
    for connector in webchat.hub.connectors.values():
        if connector is not webchat and PHONE in connector.reply_kinds:
            return connector
    return None


async def _verified_phone(session: AsyncSession, customer_id: int) -> Identity | None:
    """The customer's most recently seen verified phone, if any."""
    result = await session.execute(
        select(Identity)
        .where(
            Identity.customer_id == customer_id,
            Identity.kind == PHONE,
            Identity.verification == VERIFIED,
        )
        .order_by(Identity.last_seen_at.desc().nulls_last(), Identity.id.desc())
    )
    return result.scalars().first()


async def request_handoff(
    webchat: WebchatConnector, principal: Principal, target: str
) -> tuple[dict[str, Any], int | None]:
    """Create the handoff (and the SMS, for ``target == "sms"``); returns the ack and
    the visitor's customer id (created here if the visitor had not written yet)."""
    settings = webchat.hub.settings
    number = settings.twilio_voice_number if target == "phone" else settings.twilio_sms_number
    sms = phone_connector(webchat) if target == "sms" else None
    if not number or (target == "sms" and sms is None):
        return _failure("unavailable", f"continuing by {target} is not available"), None
    try:
        async with webchat.hub.uow() as uow:
            _, customer, _ = await resolve_identity(
                uow, principal.kind, principal.address, verified=True
            )
            verified_phone = None
            if sms is not None:
                verified_phone = await _verified_phone(uow.session, customer.id)
                if verified_phone is None:
                    return (
                        _failure(
                            "unverified_phone",
                            "we can only text a phone number we have verified; "
                            "verify yours or continue by phone or here instead",
                        ),
                        customer.id,
                    )
            handoff = await create_handoff_code(
                uow, customer.id, from_channel=webchat.channel, to_channel=target
            )
            code = handoff.code
            if sms is not None and verified_phone is not None:
                await send_reply(
                    uow,
                    customer.id,
                    f"Hi! Reply to this text to continue your chat with us (handoff code {code}).",
                    channel=sms.channel,
                    via="widget",
                    data={"handoff_code_id": handoff.id},
                    identity_id=verified_phone.id,
                )
    except HubError as exc:
        return _failure(exc.code, exc.message), None
    return {"ok": True, "code": code, "number": number}, customer.id
