"""The ``twilio`` REST client, async, pointed at ``TWILIO_API_BASE``.

In production the base is https://api.twilio.com; in demos and tests it is the
loopback simulator (``simulators.twilio``). Every ``*.twilio.com`` URL the SDK
builds is rewritten onto the configured base, so any resource the SDK knows works
against either.
"""

from __future__ import annotations

import asyncio
import base64
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from twilio.base.exceptions import TwilioException
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.http.response import Response
from twilio.rest import Client

from hub.errors import SendError
from hub.settings import Settings

TWILIO_HOST_SUFFIX = ".twilio.com"
# What a request that never got an answer raises (transient: retried later).
NETWORK_ERRORS = (aiohttp.ClientError, asyncio.TimeoutError, OSError)


class HeaderAuthHttpClient(AsyncTwilioHttpClient):
    """Sends the SDK's Basic credentials as an ``Authorization`` header: aiohttp >= 3.12
    deprecates its ``auth=`` argument (a DeprecationWarning on every request)."""

    async def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Response:
        auth = kwargs.pop("auth", None)
        if auth is not None:
            token = base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode()
            kwargs["headers"] = {**(kwargs.get("headers") or {}), "Authorization": f"Basic {token}"}
        return await super().request(method, url, *args, **kwargs)


class RebasedHttpClient(HeaderAuthHttpClient):
    """Sends the SDK's requests to ``api_base`` instead of Twilio's own hosts."""

    def __init__(self, api_base: str, timeout: float = 10.0) -> None:
        super().__init__(timeout=timeout)
        self.api_base = api_base.rstrip("/")

    async def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Response:
        parts = urlsplit(url)
        if parts.hostname and parts.hostname.endswith(TWILIO_HOST_SUFFIX):
            url = self.api_base + parts.path + (f"?{parts.query}" if parts.query else "")
        return await super().request(method, url, *args, **kwargs)


def twilio_client(settings: Settings) -> Client:
    """An async-capable client (use the ``*_async`` methods) for the configured account."""
    http_client = None
    if settings.twilio_api_base.rstrip("/") != "https://api.twilio.com":
        http_client = RebasedHttpClient(settings.twilio_api_base)
    else:
        http_client = HeaderAuthHttpClient(timeout=10.0)
    return Client(settings.twilio_account_sid, settings.twilio_auth_token, http_client=http_client)


def send_error(exc: TwilioException) -> SendError:
    """A REST refusal as a ``SendError``: 4xx permanent with Twilio's code, 5xx/429 or
    no status transient."""
    status = int(getattr(exc, "status", 0) or 0)
    code = getattr(exc, "code", None)
    text = str(getattr(exc, "msg", None) or getattr(exc, "detail", None) or exc)
    # The SDK prefixes Twilio's message with what it was doing ("Unable to create record: ").
    if text.startswith("Unable to ") and ": " in text:
        text = text.split(": ", 1)[1]
    transient = status >= 500 or status == 429 or status == 0
    return SendError(
        f"Twilio {status}: {text}",
        code=str(code) if code else f"http_{status}",
        transient=transient,
    )
