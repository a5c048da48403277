"""Calling the Admin GraphQL API through httpx.

``ShopifyGraphQL.call(document, variables)`` returns the ``data`` object. Network
errors, timeouts, throttling (429 / ``THROTTLED``) and 5xx answers raise
``ShopUnavailable``; a document the API rejects raises ``ShopRefused`` with the API's
own message.
"""

from __future__ import annotations

import re
from typing import Any

import httpx

from connectors.shopify.settings import ShopifySettings
from hub.commerce.port import ShopRefused, ShopUnavailable

TIMEOUT = httpx.Timeout(10.0, connect=3.0)
_OPERATION = re.compile(r"\b(?:query|mutation)\s+(\w+)")


def operation_name(document: str) -> str:
    match = _OPERATION.search(document)
    if match is None:
        raise ValueError("every document the adapter sends is a named operation")
    return match.group(1)


class ShopifyGraphQL:
    def __init__(self, settings: ShopifySettings, *, client: httpx.AsyncClient | None = None):
        self.settings = settings
        self._client = client

    def _http(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = httpx.AsyncClient(timeout=TIMEOUT)
        return self._client

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def call(self, document: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        body = {
            "query": document,
            "operationName": operation_name(document),
            "variables": variables or {},
        }
        headers = {"X-Shopify-Access-Token": self.settings.access_token or ""}
        try:
            url = self.settings.graphql_url
            response = await self._http().post(url, json=body, headers=headers)
        except httpx.HTTPError as exc:
            raise ShopUnavailable(f"Shopify could not be reached ({type(exc).__name__})") from exc
        if response.status_code == 429 or response.status_code >= 500:
            raise ShopUnavailable(f"Shopify answered {response.status_code}; try again shortly")
        if response.status_code in (401, 403):
            raise ShopUnavailable(
                f"Shopify refused the app's access token ({response.status_code}): check "
                "SHOPIFY_ACCESS_TOKEN and the app's scopes"
            )
        try:
            payload = response.json()
        except ValueError as exc:
            raise ShopUnavailable(f"Shopify answered {response.status_code} without JSON") from exc
        errors = payload.get("errors") if isinstance(payload, dict) else None
        if errors:
            messages = [str(e.get("message", e)) if isinstance(e, dict) else str(e) for e in errors]
            if any(
                isinstance(e, dict) and e.get("extensions", {}).get("code") == "THROTTLED"
                for e in errors
            ):
                raise ShopUnavailable("Shopify is throttling the app; try again shortly")
            raise ShopRefused("; ".join(messages)[:500])
        data = payload.get("data") if isinstance(payload, dict) else None
        if not isinstance(data, dict):
            raise ShopUnavailable("Shopify answered without data")
        return data


def refuse_on_user_errors(result: dict[str, Any] | None, key: str = "userErrors") -> None:
    """Raise ``ShopRefused`` with the shop's words when a mutation returned user errors."""
    if not isinstance(result, dict):
        raise ShopRefused("Shopify returned no result")
    errors = result.get(key) or []
    if errors:
        raise ShopRefused("; ".join(str(e.get("message", e)) for e in errors)[:500])
