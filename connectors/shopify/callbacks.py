"""``POST /shopify/webhooks``: Shopify's webhooks, verified, stored, answered fast.

- ``X-Shopify-Hmac-Sha256`` must be the base64 HMAC-SHA256 of the raw body keyed with
  ``SHOPIFY_API_SECRET`` (401 otherwise, and always while the secret is unset).
- ``X-Shopify-Webhook-Id`` makes a redelivery a no-op (claimed in the same transaction
  as its effect, so a delivery that failed is run again when Shopify retries).
- Topics: ``orders/create``, ``orders/updated``, ``orders/cancelled`` (and the other
  ``orders/*``) carry the order; ``fulfillments/create|update`` move a pickup on;
  ``refunds/create`` (and a fulfilment of an order the hub does not have yet) re-reads
  the order from the API (through the outbox);
  ``customers/create|update`` refresh the customer's verified email and phone. Other
  topics are acknowledged and ignored.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy.exc import IntegrityError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from connectors.shopify.payloads import (
    customer_from_webhook,
    external_id,
    order_from_webhook,
    pickup_from_fulfillment,
)
from connectors.shopify.settings import ShopifySettings
from hub.actions.commerce import (
    apply_pickup_status,
    claim_delivery,
    sync_shop_customer,
    sync_shop_order,
)
from hub.commerce.jobs import queue_refresh
from hub.core import Hub, UnitOfWork
from hub.web.errors import error_response

log = logging.getLogger(__name__)

SOURCE = "shopify"
Handler = Callable[[UnitOfWork, dict[str, Any]], Awaitable[None]]


def signature(body: bytes, secret: str) -> str:
    """What Shopify puts in ``X-Shopify-Hmac-Sha256`` for ``body``."""
    digest = hmac.new(secret.encode(), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def verify(body: bytes, header: str | None, secret: str | None) -> bool:
    if not secret or not header:
        return False
    return hmac.compare_digest(signature(body, secret), header.strip())


class ShopifyWebhooks:
    def __init__(self, hub: Hub, settings: ShopifySettings, channel: str) -> None:
        self.hub = hub
        self.settings = settings
        self.channel = channel

    def handler(self, topic: str) -> Handler | None:
        if topic.startswith("orders/") and topic != "orders/delete":
            return self._order
        if topic in ("fulfillments/create", "fulfillments/update"):
            return self._fulfillment
        if topic == "refunds/create":
            return self._refund
        if topic in ("customers/create", "customers/update"):
            return self._customer
        return None

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
        handler = self.handler(topic)
        # Two first deliveries of one new order racing (orders/create and
        # orders/updated): the loser's insert hits the unique external_id and its retry
        # updates the winner's order.
        for attempt in range(2):
            try:
                async with self.hub.uow() as uow:
                    if not await claim_delivery(uow, SOURCE, delivery, topic):
                        return JSONResponse({"ok": True, "duplicate": True})
                    if handler is not None:
                        await handler(uow, payload)
                break
            except (KeyError, ValueError, TypeError) as exc:
                log.warning("shopify %s webhook %s not understood: %r", topic, delivery, exc)
                return error_response(422, "bad_payload", f"not a {topic} payload")
            except IntegrityError:
                if attempt:
                    raise
        return JSONResponse({"ok": True})

    async def _order(self, uow: UnitOfWork, payload: dict[str, Any]) -> None:
        _, result = await sync_shop_order(uow, order_from_webhook(payload), channel=self.channel)
        if result == "stale":
            log.info("shopify order %s: older version ignored", payload.get("id"))

    async def _fulfillment(self, uow: UnitOfWork, payload: dict[str, Any]) -> None:
        pickup = pickup_from_fulfillment(payload)
        if pickup is None:
            return
        if await apply_pickup_status(uow, *pickup) is None:
            # The fulfilment came before its order: read the order (with its pickup
            # status) from the API once orders/create has had its chance.
            await queue_refresh(uow, pickup[0], f"fulfillment:{payload.get('id')}")

    async def _refund(self, uow: UnitOfWork, payload: dict[str, Any]) -> None:
        await queue_refresh(uow, external_id(payload["order_id"]), f"refund:{payload.get('id')}")

    async def _customer(self, uow: UnitOfWork, payload: dict[str, Any]) -> None:
        await sync_shop_customer(uow, customer_from_webhook(payload))
