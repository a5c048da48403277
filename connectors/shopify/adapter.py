"""``ShopifyCommerce``: the hub's commerce port over the Admin GraphQL API."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from datetime import datetime
from typing import Any

from connectors.shopify import queries
from connectors.shopify.graphql import ShopifyGraphQL, refuse_on_user_errors
from connectors.shopify.payloads import PREFIX, cents, gid, order_from_node
from hub.commerce.port import (
    ADDRESS_FIELDS,
    Outcome,
    ProductStock,
    RefundLine,
    ShopOrder,
    ShopRefused,
    StockLevel,
)

PAGE = 50
CANCEL_REASONS = ("CUSTOMER", "DECLINED", "FRAUD", "INVENTORY", "STAFF", "OTHER")


def _quoted(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


class ShopifyCommerce:
    label = "Shopify"

    def __init__(self, api: ShopifyGraphQL) -> None:
        self.api = api

    def owns(self, external_id: str) -> bool:
        return external_id.startswith(PREFIX)

    async def order(self, external_id: str) -> ShopOrder | None:
        data = await self.api.call(queries.ORDER, {"id": gid("Order", external_id)})
        node = data.get("order")
        return order_from_node(node) if isinstance(node, dict) else None

    async def _orders(self, search: str, *, limit: int | None = None) -> AsyncIterator[ShopOrder]:
        after: str | None = None
        seen = 0
        while True:
            data = await self.api.call(
                queries.ORDERS, {"first": PAGE, "after": after, "query": search}
            )
            connection = data.get("orders") or {}
            for node in connection.get("nodes") or []:
                yield order_from_node(node)
                seen += 1
                if limit is not None and seen >= limit:
                    return
            info = connection.get("pageInfo") or {}
            if not info.get("hasNextPage") or not info.get("endCursor"):
                return
            after = str(info["endCursor"])

    async def orders_for(self, *, email: str | None, phone: str | None) -> list[ShopOrder]:
        terms = []
        if email:
            terms.append(f"email:{_quoted(email)}")
        if phone:
            terms.append(f"phone:{_quoted(phone)}")
        if not terms:
            return []
        return [o async for o in self._orders(" OR ".join(terms), limit=250)]

    def orders_since(self, since: datetime) -> AsyncIterator[ShopOrder]:
        return self._orders(f"updated_at:>={_quoted(since.isoformat())}")

    async def stock(self, skus: Sequence[str]) -> list[ProductStock]:
        if not skus:
            return []
        search = " OR ".join(f"sku:{_quoted(s)}" for s in skus)
        data = await self.api.call(queries.STOCK, {"query": search})
        found: list[ProductStock] = []
        for node in (data.get("inventoryItems") or {}).get("nodes") or []:
            if not node.get("sku"):
                continue
            variant = node.get("variant") or {}
            name = (variant.get("product") or {}).get("title") or variant.get("displayName")
            levels = []
            for level in (node.get("inventoryLevels") or {}).get("nodes") or []:
                available = sum(
                    int(q.get("quantity") or 0)
                    for q in level.get("quantities") or []
                    if q.get("name") == "available"
                )
                location = (level.get("location") or {}).get("name") or "?"
                levels.append(StockLevel(str(location), available))
            found.append(ProductStock(str(node["sku"]), str(name or node["sku"]), tuple(levels)))
        return found

    async def _suggested_refund(
        self, external_id: str, lines: Sequence[RefundLine]
    ) -> dict[str, Any]:
        data = await self.api.call(
            queries.SUGGESTED_REFUND,
            {
                "id": gid("Order", external_id),
                "lines": [
                    {
                        "lineItemId": gid("LineItem", line.item_external_id),
                        "quantity": line.quantity,
                    }
                    for line in lines
                ],
            },
        )
        order = data.get("order")
        if not isinstance(order, dict) or not isinstance(order.get("suggestedRefund"), dict):
            raise ShopRefused("Shopify does not know this order")
        suggested: dict[str, Any] = order["suggestedRefund"]
        return suggested

    async def refund_amount(self, external_id: str, lines: Sequence[RefundLine]) -> int:
        suggested = await self._suggested_refund(external_id, lines)
        return cents(((suggested.get("amountSet") or {}).get("shopMoney") or {}).get("amount", 0))

    async def cancel(self, external_id: str, *, reason: str) -> Outcome:
        code = reason.upper() if reason.upper() in CANCEL_REASONS else "CUSTOMER"
        data = await self.api.call(
            queries.ORDER_CANCEL,
            {"orderId": gid("Order", external_id), "reason": code, "staffNote": reason[:255]},
        )
        result = data.get("orderCancel")
        refuse_on_user_errors(result, "orderCancelUserErrors")
        assert isinstance(result, dict)
        job = result.get("job") or {}
        return Outcome("Shopify is cancelling the order", {"job_id": job.get("id")})

    async def refund(self, external_id: str, lines: Sequence[RefundLine]) -> Outcome:
        suggested = await self._suggested_refund(external_id, lines)
        transactions = [
            {
                "orderId": gid("Order", external_id),
                "parentId": (t.get("parentTransaction") or {}).get("id"),
                "gateway": t.get("gateway"),
                "kind": "REFUND",
                "amount": ((t.get("amountSet") or {}).get("shopMoney") or {}).get("amount"),
            }
            for t in suggested.get("suggestedTransactions") or []
        ]
        data = await self.api.call(
            queries.REFUND_CREATE,
            {
                "input": {
                    "orderId": gid("Order", external_id),
                    "notify": True,
                    "refundLineItems": [
                        {
                            "lineItemId": gid("LineItem", line.item_external_id),
                            "quantity": line.quantity,
                            "restockType": "RETURN",
                        }
                        for line in lines
                    ],
                    "transactions": transactions,
                }
            },
        )
        result = data.get("refundCreate")
        refuse_on_user_errors(result)
        assert isinstance(result, dict)
        refund = result.get("refund") or {}
        money = (refund.get("totalRefundedSet") or {}).get("shopMoney") or {}
        return Outcome(
            "Shopify refunded the items",
            {"refund_id": refund.get("id"), "amount_cents": cents(money.get("amount", 0))},
        )

    async def update_shipping_address(
        self, external_id: str, address: Mapping[str, str]
    ) -> Outcome:
        clean = {k: address[k] for k in ADDRESS_FIELDS if address.get(k)}
        if "name" in clean:
            first, _, last = clean.pop("name").partition(" ")
            clean["firstName"], clean["lastName"] = first, last
        data = await self.api.call(
            queries.ORDER_UPDATE,
            {"input": {"id": gid("Order", external_id), "shippingAddress": clean}},
        )
        refuse_on_user_errors(data.get("orderUpdate"))
        return Outcome("Shopify updated the shipping address")

    async def resend_confirmation(self, external_id: str) -> Outcome:
        data = await self.api.call(queries.ORDER_INVOICE_SEND, {"id": gid("Order", external_id)})
        refuse_on_user_errors(data.get("orderInvoiceSend"))
        return Outcome("Shopify sent the order's confirmation to the customer again")
