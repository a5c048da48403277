""" "Continue by phone" / "Continue by SMS" / "Continue by email" from the widget.

All give the visitor a one-time handoff code. By phone the ack carries the hub's
number to call. By SMS or email the hub also writes to the customer first, but only at
a VERIFIED phone or address of theirs (they wrote in from it with proof, or the
visitor confirmed a one-time code): a number or address typed into the widget is
merely asserted and may belong to someone else. The text or mail goes through
whichever connector can reach that kind of address (``reply_kinds``), so this module
never names another channel.
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
from hub.port import EMAIL, PHONE, VERIFIED
from hub.sms_limits import check_text_allowed

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


def email_connector(webchat: WebchatConnector) -> Connector | None:
    """A registered connector that delivers replies to email addresses, if any."""
    for connector in webchat.hub.connectors.values():
        if connector is not webchat and EMAIL in connector.reply_kinds:
            return connector
    return None


async def _verified_phone(session: AsyncSession, customer_id: int) -> Identity | None:
    """The customer's most recently seen verified phone, if any."""
    return await _verified(session, customer_id, PHONE)


async def _verified(session: AsyncSession, customer_id: int, kind: str) -> Identity | None:
    """The customer's most recently seen verified identity of ``kind``, if any."""
    result = await session.execute(
        select(Identity)
        .where(
            Identity.customer_id == customer_id,
            Identity.kind == kind,
            Identity.verification == VERIFIED,
        )
        .order_by(Identity.last_seen_at.desc().nulls_last(), Identity.id.desc())
    )
    return result.scalars().first()


async def request_handoff(
    webchat: WebchatConnector, principal: Principal, target: str, *, client: str
) -> tuple[dict[str, Any], int | None]:
    """Create the handoff (and the SMS, for ``target == "sms"``, within the hub's
    SMS-pumping limits for ``client``, ``hub.sms_limits``); returns the ack and the
    visitor's customer id (created here if the visitor had not written yet)."""
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
            if verified_phone is not None:
                await check_text_allowed(webchat.hub, PHONE, verified_phone.address, client=client)
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


async def request_email_handoff(
    webchat: WebchatConnector, principal: Principal, *, client: str
) -> tuple[dict[str, Any], int | None]:
    """ "Continue by email": mail the customer's verified address a message to answer
    (quoting a handoff code, within ``hub.sms_limits``' per-address and per-client
    limits); returns the ack (``code`` and that ``address``) and the visitor's
    customer id."""
    mail = email_connector(webchat)
    if mail is None:
        return _failure("unavailable", "continuing by email is not available"), None
    try:
        async with webchat.hub.uow() as uow:
            _, customer, _ = await resolve_identity(
                uow, principal.kind, principal.address, verified=True
            )
            address = await _verified(uow.session, customer.id, EMAIL)
            if address is None:
                return (
                    _failure(
                        "unverified_email",
                        "we can only email an address we have verified; "
                        "verify yours or continue here instead",
                    ),
                    customer.id,
                )
            if not mail.can_reach(EMAIL, address.address):
                return _failure("unavailable", "continuing by email is not available"), None
            await check_text_allowed(webchat.hub, EMAIL, address.address, client=client)
            handoff = await create_handoff_code(
                uow, customer.id, from_channel=webchat.channel, to_channel=mail.channel
            )
            await send_reply(
                uow,
                customer.id,
                "Hi! Reply to this email to continue your chat with us "
                f"(handoff code {handoff.code}).",
                channel=mail.channel,
                via="widget",
                data={"handoff_code_id": handoff.id, "subject": "Continuing your chat"},
                identity_id=address.id,
            )
    except HubError as exc:
        return _failure(exc.code, exc.message), None
    return {"ok": True, "code": handoff.code, "address": address.address}, customer.id
