"""Verifying a phone or email from the widget with a one-time code (see
``hub.actions.verification``). The pending challenge lives in the socket's session,
so it ends with the connection; the code travels by the channel that reaches it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from connectors.webchat.identity import Principal
from hub.actions.customers import resolve_identity
from hub.actions.verification import Challenge, confirm_verification, start_verification
from hub.errors import HubError
from hub.port import EMAIL, PHONE

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
        async with webchat.hub.uow() as uow:
            _, customer, _ = await resolve_identity(
                uow, principal.kind, principal.address, verified=True
            )
            challenge = await start_verification(
                uow, customer.id, kind, address, via=webchat.channel, client=client
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
    async with webchat.hub.uow() as uow:
        identity, remaining = await confirm_verification(uow, challenge, code)
    if identity is not None:
        return {"ok": True, "kind": identity.kind, "address": identity.address}, None
    if remaining is None:
        return _failure("no_code", "that code has expired or had too many tries"), None
    return _failure("wrong_code", "that code is not right; check and try again"), remaining
