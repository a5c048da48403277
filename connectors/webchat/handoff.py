""" "Continue by phone" / "Continue by SMS" / "Continue by email" from the widget.

All give the visitor a one-time handoff code. By phone the ack carries the hub's
number to call. By SMS or email the hub also writes to the customer first, but only at
a VERIFIED phone or address of theirs (``hub.actions.handoff.offer_handoff``): a number
or address typed into the widget is merely asserted and may belong to someone else.
The text or mail goes through whichever connector can reach that kind of address
(``reply_kinds``), so this module never names another channel.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from connectors.webchat.identity import Principal
from hub.errors import HubError
from hub.port import EMAIL, PHONE
from hub.port.visitors import Handoff, HandoffMessage

if TYPE_CHECKING:
    from connectors.webchat.connector import WebchatConnector


def _failure(code: str, message: str) -> dict[str, Any]:
    return {"ok": False, "error": code, "message": message}


async def _hand_off(
    webchat: WebchatConnector,
    principal: Principal,
    to_channel: str,
    message: HandoffMessage | None,
    client: str,
) -> Handoff | dict[str, Any]:
    """The handoff, or the failed ack when the hub refused it."""
    try:
        return await webchat.port.visitors.hand_off(
            (principal.kind, principal.address),
            from_channel=webchat.channel,
            to_channel=to_channel,
            message=message,
            client=client,
        )
    except HubError as exc:
        return _failure(exc.code, exc.message)


async def request_handoff(
    webchat: WebchatConnector, principal: Principal, target: str, *, client: str
) -> tuple[dict[str, Any], int | None]:
    """Create the handoff (and the SMS, for ``target == "sms"``, within the hub's
    SMS-pumping limits for ``client``, ``hub.rules.sms_limits``); returns the ack and the
    visitor's customer id (created here if the visitor had not written yet)."""
    settings = webchat.port.settings
    number = settings.twilio_voice_number if target == "phone" else settings.twilio_sms_number
    sms = webchat.port.connector_reaching(PHONE) if target == "sms" else None
    if not number or (target == "sms" and sms is None):
        return _failure("unavailable", f"continuing by {target} is not available"), None
    message = None
    if sms is not None:
        message = HandoffMessage(
            sms.channel,
            PHONE,
            "Hi! Reply to this text to continue your chat with us (handoff code {code}).",
            via="widget",
        )
    handoff = await _hand_off(webchat, principal, target, message, client)
    if not isinstance(handoff, Handoff):
        return handoff, None
    if handoff.code is None:
        failure = _failure(
            "unverified_phone",
            "we can only text a phone number we have verified; "
            "verify yours or continue by phone or here instead",
        )
        return failure, handoff.customer_id
    return {"ok": True, "code": handoff.code, "number": number}, handoff.customer_id


async def request_email_handoff(
    webchat: WebchatConnector, principal: Principal, *, client: str
) -> tuple[dict[str, Any], int | None]:
    """ "Continue by email": mail the customer's verified address a message to answer
    (quoting a handoff code, within ``hub.rules.sms_limits``' per-address and per-client
    limits); returns the ack (``code`` and that ``address``) and the visitor's
    customer id."""
    mail = webchat.port.connector_reaching(EMAIL)
    if mail is None:
        return _failure("unavailable", "continuing by email is not available"), None
    message = HandoffMessage(
        mail.channel,
        EMAIL,
        "Hi! Reply to this email to continue your chat with us (handoff code {code}).",
        via="widget",
        data={"subject": "Continuing your chat"},
    )
    handoff = await _hand_off(webchat, principal, mail.channel, message, client)
    if not isinstance(handoff, Handoff):
        return handoff, None
    if handoff.code is None:
        failure = _failure(
            "unverified_email",
            "we can only email an address we have verified; verify yours or continue here instead",
        )
        return failure, handoff.customer_id
    return {"ok": True, "code": handoff.code, "address": handoff.address}, handoff.customer_id
