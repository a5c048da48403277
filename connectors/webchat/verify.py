"""Verifying a phone or email from the widget with a one-time code (see
``hub.actions.verification``). The pending challenge lives in the socket's session,
so it ends with the connection; the code travels by the channel that reaches it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from connectors.webchat.identity import Principal
from hub.errors import HubError
from hub.port import EMAIL, PHONE
from hub.port.visitors import Challenge

if TYPE_CHECKING:
    from connectors.webchat.connector import WebchatConnector


def _failure(code: str, message: str) -> dict[str, Any]:
    return {"ok": False, "error": code, "message": message}


async def request_code(
    webchat: WebchatConnector, principal: Principal, data: Any, *, client: str
) -> tuple[dict[str, Any], Challenge | None]:
    """``{"kind": "phone"|"email", "address"}`` → the ack and the challenge to keep."""
    kind = data.get("kind") if isinstance(data, dict) else None
    address = data.get("address") if isinstance(data, dict) else None
    if kind not in (PHONE, EMAIL) or not isinstance(address, str) or not address.strip():
        return _failure("invalid", 'verify needs "kind" (phone or email) and "address"'), None
    try:
        challenge = await webchat.port.visitors.start_verification(
            (principal.kind, principal.address), kind, address, via=webchat.channel, client=client
        )
    except HubError as exc:
        return _failure(exc.code, exc.message), None
    return {"ok": True, "kind": kind}, challenge


async def check_code(
    webchat: WebchatConnector, challenge: Challenge | None, data: Any
) -> tuple[dict[str, Any], Challenge | None]:
    """``{"code"}`` → ``{"ok": true, "kind", "address"}`` and the challenge still open."""
    code = data.get("code") if isinstance(data, dict) else None
    if challenge is None:
        return _failure("no_code", "ask for a new code first"), None
    if not isinstance(code, str):
        return _failure("invalid", "the code is missing"), challenge
    verified, remaining = await webchat.port.visitors.confirm_verification(challenge, code)
    if verified is not None:
        kind, address = verified
        return {"ok": True, "kind": kind, "address": address}, None
    if remaining is None:
        return _failure("no_code", "that code has expired or had too many tries"), None
    return _failure("wrong_code", "that code is not right; check and try again"), remaining
