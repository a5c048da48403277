"""The simulator's HTTP app: the Admin GraphQL endpoint, merchant controls, webhooks.

- ``POST /admin/api/{version}/graphql.json`` (``X-Shopify-Access-Token`` required)
- ``POST /_sim/orders`` ``{"email", "phone"?, "name"?, "lines": [[sku, qty]], "pickup_at"?}``
  places an order (webhook ``orders/create``)
- ``POST /_sim/orders/{id}/ready`` / ``.../picked_up``: the store prepared the pickup /
  handed it over (webhooks ``fulfillments/create|update`` and ``orders/updated``)
- ``GET /_sim/state``: the orders and the operations the hub called
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import logging
import uuid
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from simulators.shopify.graphql import OPERATIONS, Webhooks
from simulators.shopify.state import Shop

log = logging.getLogger(__name__)


class Simulator:
    """One simulated shop and where its webhooks go (``hub_url`` + ``/shopify/webhooks``)."""

    def __init__(
        self,
        shop: Shop,
        *,
        access_token: str,
        api_secret: str,
        hub_url: str | None,
        domain: str = "demo-shop.myshopify.com",
    ) -> None:
        self.shop = shop
        self.access_token = access_token
        self.api_secret = api_secret
        self.hub_url = hub_url
        self.domain = domain
        self.sent: list[tuple[str, dict[str, Any], int]] = []
        self._tasks: set[asyncio.Task[None]] = set()

    def sign(self, body: bytes) -> str:
        digest = hmac.new(self.api_secret.encode(), body, hashlib.sha256).digest()
        return base64.b64encode(digest).decode()

    def headers(self, topic: str, body: bytes, webhook_id: str | None = None) -> dict[str, str]:
        return {
            "Content-Type": "application/json",
            "X-Shopify-Topic": topic,
            "X-Shopify-Hmac-Sha256": self.sign(body),
            "X-Shopify-Shop-Domain": self.domain,
            "X-Shopify-Webhook-Id": webhook_id or str(uuid.uuid4()),
            "X-Shopify-API-Version": "2026-10",
        }

    async def deliver(self, topic: str, payload: dict[str, Any]) -> int:
        """Send one webhook now; returns the hub's status (0 when unreachable)."""
        if not self.hub_url:
            return 0
        body = json.dumps(payload).encode()
        try:
            async with httpx.AsyncClient(timeout=10) as client:
                response = await client.post(
                    f"{self.hub_url}/shopify/webhooks",
                    content=body,
                    headers=self.headers(topic, body),
                )
            status = response.status_code
        except httpx.HTTPError as exc:
            log.warning("webhook %s not delivered: %r", topic, exc)
            status = 0
        self.sent.append((topic, payload, status))
        return status

    def send_later(self, webhooks: Webhooks) -> None:
        """Send after answering, in order, like Shopify (asynchronously)."""

        async def run() -> None:
            for topic, payload in webhooks:
                await self.deliver(topic, json.loads(json.dumps(payload)))

        if webhooks:
            task = asyncio.create_task(run())
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def drain(self) -> None:
        """Wait until every webhook queued so far was delivered."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks))

    # -- routes ---------------------------------------------------------------------------

    async def graphql(self, request: Request) -> JSONResponse:
        if request.headers.get("x-shopify-access-token") != self.access_token:
            return JSONResponse(
                {"errors": "[API] Invalid API key or access token"}, status_code=401
            )
        body = await request.json()
        name = body.get("operationName")
        operation = OPERATIONS.get(name)
        if operation is None:
            return JSONResponse({"errors": [{"message": f"unknown operation {name!r}"}]})
        self.shop.calls.append(name)
        data, webhooks = operation(self.shop, body.get("variables") or {})
        self.send_later(webhooks)
        return JSONResponse({"data": data})

    async def place(self, request: Request) -> JSONResponse:
        body = await request.json()
        order = self.shop.place_order(
            email=body.get("email"),
            phone=body.get("phone"),
            name=body.get("name") or "Sam Shopper",
            lines=[(str(sku), int(q)) for sku, q in body["lines"]],
            pickup_at=body.get("pickup_at"),
        )
        self.send_later([("orders/create", order)])
        return JSONResponse(order, status_code=201)

    def _pickup(self, order: dict[str, Any], shipment_status: str) -> Webhooks:
        line = (order.get("shipping_lines") or [{}])[0]
        fulfillment = {
            "id": self.shop.next_id(),
            "order_id": order["id"],
            "status": "success" if shipment_status == "picked_up" else "open",
            "shipment_status": shipment_status,
            "location_name": line.get("title"),
        }
        order["fulfillments"].append(fulfillment)
        if shipment_status == "picked_up":
            order["fulfillment_status"] = "fulfilled"
        order["updated_at"] = self.shop.tick()
        topic = "fulfillments/update" if shipment_status == "picked_up" else "fulfillments/create"
        return [(topic, fulfillment), ("orders/updated", order)]

    async def ready(self, request: Request) -> JSONResponse:
        order = self.shop.orders[int(request.path_params["order_id"])]
        self.send_later(self._pickup(order, "ready_for_pickup"))
        return JSONResponse(order)

    async def picked_up(self, request: Request) -> JSONResponse:
        order = self.shop.orders[int(request.path_params["order_id"])]
        self.send_later(self._pickup(order, "picked_up"))
        return JSONResponse(order)

    async def state(self, request: Request) -> JSONResponse:
        return JSONResponse({"orders": list(self.shop.orders.values()), "calls": self.shop.calls})

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/admin/api/{version}/graphql.json", self.graphql, methods=["POST"]),
                Route("/_sim/orders", self.place, methods=["POST"]),
                Route("/_sim/orders/{order_id:int}/ready", self.ready, methods=["POST"]),
                Route("/_sim/orders/{order_id:int}/picked_up", self.picked_up, methods=["POST"]),
                Route("/_sim/state", self.state, methods=["GET"]),
            ]
        )
