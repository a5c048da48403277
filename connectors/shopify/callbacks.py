"""``POST /shopify/webhooks``: Shopify's webhooks, verified, stored, answered fast.

- ``X-Shopify-Hmac-Sha256`` must be the base64 HMAC-SHA256 of the raw body keyed with
  ``SHOPIFY_API_SECRET`` (401 otherwise, and always while the secret is unset).
- ``X-Shopify-Webhook-Id`` makes a redelivery a no-op (claimed in the same transaction
  as its effect, so a delivery that failed is run again when Shopify retries).
- Topics, mapped to one commerce update each by ``update_of``: ``orders/create``,
  ``orders/updated``, ``orders/cancelled`` (and the other ``orders/*``) carry the
  order; ``fulfillments/create|update`` move a pickup on; ``refunds/create`` (and a
  fulfilment of an order the hub does not have yet) re-read the order from the API
  (through the outbox); ``customers/create|update`` refresh the customer's verified
  email and phone. Other topics are acknowledged and ignored.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from connectors.shopify.payloads import (
    customer_from_webhook,
    external_id,
    order_from_webhook,
    pickup_from_fulfillment,
)
from connectors.shopify.settings import ShopifySettings
from hub.commerce.port import OrderRefresh, PickupUpdate, ShopUpdate
from hub.port import HubPort
from hub.port.web import error_response

log = logging.getLogger(__name__)

SOURCE = "shopify"


def signature(body: bytes, secret: str) -> str:
    """What Shopify puts in ``X-Shopify-Hmac-Sha256`` for ``body``."""
    digest = hmac.new(secret.encode(), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def verify(body: bytes, header: str | None, secret: str | None) -> bool:
    if not secret or not header:
        return False
    return hmac.compare_digest(signature(body, secret), header.strip())


def update_of(topic: str, payload: dict[str, Any]) -> ShopUpdate | None:
    """What a webhook tells the hub, in the commerce port's terms (None: nothing it
    uses). Raises ``KeyError``/``ValueError``/``TypeError`` for a payload that is not
    the topic's."""
    if topic.startswith("orders/") and topic != "orders/delete":
        return order_from_webhook(payload)
    if topic in ("fulfillments/create", "fulfillments/update"):
        pickup = pickup_from_fulfillment(payload)
        return PickupUpdate(*pickup) if pickup is not None else None
    if topic == "refunds/create":
        return OrderRefresh(external_id(payload["order_id"]), f"refund:{payload.get('id')}")
    if topic in ("customers/create", "customers/update"):
        return customer_from_webhook(payload)
    return None


class ShopifyWebhooks:
    def __init__(self, port: HubPort, settings: ShopifySettings) -> None:
        self.port = port
        self.settings = settings

    async def receive(self, request: Request) -> Response:
        body = await request.body()
        if not verify(body, request.headers.get("x-shopify-hmac-sha256"), self.settings.api_secret):
            return error_response(401, "bad_signature", "X-Shopify-Hmac-Sha256 does not verify")
        topic = request.headers.get("x-shopify-topic", "").strip().lower()
        delivery = request.headers.get("x-shopify-webhook-id", "").strip()
        if not topic or not delivery:
            return error_response(
                400, "bad_webhook", "X-Shopify-Topic and X-Shopify-Webhook-Id are required"
            )
        try:
            payload = json.loads(body)
        except (ValueError, RecursionError):
            payload = None
        if not isinstance(payload, dict):
            return error_response(400, "bad_json", "the body is a JSON object")
        try:
            update = update_of(topic, payload)
        except (KeyError, ValueError, TypeError) as exc:
            log.warning("shopify %s webhook %s not understood: %r", topic, delivery, exc)
            return error_response(422, "bad_payload", f"not a {topic} payload")
        result = await self.port.apply_shop_update(SOURCE, delivery, topic, update)
        if result == "duplicate":
            return JSONResponse({"ok": True, "duplicate": True})
        if result == "stale":
            log.info("shopify %s webhook %s: an older version, ignored", topic, delivery)
        return JSONResponse({"ok": True})
