"""Helpers for SMS tests: recorded Twilio payloads, signed as Twilio signs them."""

from __future__ import annotations

import json
from pathlib import Path

import httpx

from connectors.twilio.signatures import SIGNATURE_HEADER, sign
from hub.settings import Settings

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "twilio"


def payload(name: str, settings: Settings, **changes: str) -> dict[str, str]:
    """The recorded form ``name`` (without .json) for the test account, with ``changes``."""
    params: dict[str, str] = json.loads((FIXTURES / f"{name}.json").read_text())
    params["AccountSid"] = settings.twilio_account_sid or ""
    params.update(changes)
    return params


async def post_signed(
    client: httpx.AsyncClient,
    settings: Settings,
    path: str,
    params: dict[str, str],
    *,
    signed_url: str | None = None,
    signed_params: dict[str, str] | None = None,
    signature: str | None = None,
    base_url: str | None = None,
) -> httpx.Response:
    """POST ``params`` to ``path`` with the signature Twilio would send.

    ``signed_url``/``signed_params`` sign something other than what is sent (tampering);
    ``signature`` replaces the header value outright ("" leaves it out).
    """
    public = settings.public_url.rstrip("/")
    if signature is None:
        signature = sign(settings, signed_url or public + path, signed_params or params)
    headers = {SIGNATURE_HEADER: signature} if signature else {}
    return await client.post((base_url or public) + path, data=params, headers=headers)
