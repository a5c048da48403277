"""The Admin GraphQL operations the hub's adapter sends, answered from ``state.Shop``.

Dispatch is by ``operationName`` (every document the adapter sends is named). Refusals
look like Shopify's: ``userErrors`` (``orderCancelUserErrors`` for ``orderCancel``).
Each answer may return webhooks to send afterwards, as ``(topic, payload)``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from simulators.shopify.state import Shop, money

Webhooks = list[tuple[str, dict[str, Any]]]
Answer = tuple[dict[str, Any], Webhooks]

_TERM = re.compile(r'(\w+):(>=)?"((?:[^"\\]|\\.)*)"')


def _num(gid: object) -> int:
    return int(str(gid).rsplit("/", 1)[-1])


def _terms(query: str | None) -> list[tuple[str, str, str]]:
    return [(k, op or "", v.replace('\\"', '"')) for k, op, v in _TERM.findall(query or "")]


def _money(amount: str, currency: str = "USD") -> dict[str, Any]:
    return {"shopMoney": {"amount": amount, "currencyCode": currency}}


def order_node(order: dict[str, Any]) -> dict[str, Any]:
    customer = order.get("customer") or {}
    line = (order.get("shipping_lines") or [None])[0]
    name = f"{customer.get('first_name', '')} {customer.get('last_name', '')}".strip()
    return {
        "id": f"gid://shopify/Order/{order['id']}",
        "name": order["name"],
        "email": order.get("email"),
        "phone": order.get("phone"),
        "createdAt": order["created_at"],
        "updatedAt": order["updated_at"],
        "cancelledAt": order.get("cancelled_at"),
        "displayFinancialStatus": str(order["financial_status"]).upper(),
        "displayFulfillmentStatus": str(order.get("fulfillment_status") or "unfulfilled").upper(),
        "currencyCode": order["currency"],
        "totalPriceSet": _money(order["total_price"], order["currency"]),
        "customer": {
            "id": f"gid://shopify/Customer/{customer.get('id')}",
            "displayName": name,
            "email": customer.get("email"),
            "phone": customer.get("phone"),
        },
        "shippingAddress": order.get("shipping_address"),
        "shippingLine": line,
        "lineItems": {
            "nodes": [
                {
                    "id": f"gid://shopify/LineItem/{i['id']}",
                    "sku": i["sku"],
                    "name": i["name"],
                    "quantity": i["quantity"],
                    "originalUnitPriceSet": _money(i["price"]),
                }
                for i in order["line_items"]
            ]
        },
        "fulfillments": [
            {
                "displayStatus": str(f.get("shipment_status") or "fulfilled").upper(),
                "location": {"name": f.get("location_name")},
            }
            for f in order["fulfillments"]
        ],
    }


def _matches(order: dict[str, Any], terms: list[tuple[str, str, str]]) -> bool:
    if not terms:
        return True
    for key, op, value in terms:
        if key == "email" and (order.get("email") or "").lower() == value.lower():
            return True
        if key == "phone" and (order.get("phone") or "") == value:
            return True
        if (
            key == "updated_at"
            and op == ">="
            and order["updated_at"] >= value.replace("+00:00", "Z")
        ):
            return True
    return False


def hub_orders(shop: Shop, v: dict[str, Any]) -> Answer:
    terms = _terms(v.get("query"))
    found = sorted(
        (o for o in shop.orders.values() if _matches(o, terms)), key=lambda o: o["updated_at"]
    )
    start = int(v.get("after") or 0)
    page = found[start : start + int(v.get("first") or 50)]
    more = start + len(page) < len(found)
    return {
        "orders": {
            "pageInfo": {
                "hasNextPage": more,
                "endCursor": str(start + len(page)) if more else None,
            },
            "nodes": [order_node(o) for o in page],
        }
    }, []


def hub_order(shop: Shop, v: dict[str, Any]) -> Answer:
    order = shop.orders.get(_num(v["id"]))
    return {"order": order_node(order) if order else None}, []


def hub_stock(shop: Shop, v: dict[str, Any]) -> Answer:
    skus = {value for key, _, value in _terms(v.get("query")) if key == "sku"}
    nodes = []
    for sku in sorted(skus):
        product = shop.products.get(sku)
        if product is None:
            continue
        nodes.append(
            {
                "sku": sku,
                "variant": {"displayName": product.title, "product": {"title": product.title}},
                "inventoryLevels": {
                    "nodes": [
                        {
                            "location": {"name": location},
                            "quantities": [
                                {"name": "available", "quantity": product.stock[location]}
                            ],
                        }
                        for location in shop.locations
                        if location in product.stock
                    ]
                },
            }
        )
    return {"inventoryItems": {"nodes": nodes}}, []


def _refund_total(shop: Shop, order: dict[str, Any], lines: list[dict[str, Any]]) -> int:
    total = 0
    for line in lines:
        item = next((i for i in order["line_items"] if i["id"] == _num(line["lineItemId"])), None)
        if item is not None:
            quantity = min(int(line["quantity"]), shop.refundable(order, item["id"]))
            total += int(Decimal(item["price"]) * 100) * max(quantity, 0)
    return total


def hub_suggested_refund(shop: Shop, v: dict[str, Any]) -> Answer:
    order = shop.orders.get(_num(v["id"]))
    if order is None:
        return {"order": None}, []
    total = _refund_total(shop, order, v.get("lines") or [])
    return {
        "order": {
            "suggestedRefund": {
                "amountSet": _money(money(total)),
                "suggestedTransactions": [
                    {
                        "gateway": "bogus",
                        "kind": "SUGGESTED_REFUND",
                        "amountSet": _money(money(total)),
                        "parentTransaction": {
                            "id": f"gid://shopify/OrderTransaction/{order['id']}1"
                        },
                    }
                ]
                if total
                else [],
            }
        }
    }, []


def _user_error(root: str, message: str, key: str = "userErrors") -> Answer:
    return {root: {key: [{"field": None, "message": message}]}}, []


def hub_order_cancel(shop: Shop, v: dict[str, Any]) -> Answer:
    order = shop.orders.get(_num(v["orderId"]))
    if order is None:
        return _user_error("orderCancel", "Order does not exist", "orderCancelUserErrors")
    if order["cancelled_at"]:
        return _user_error(
            "orderCancel", "Order has already been cancelled", "orderCancelUserErrors"
        )
    if order.get("fulfillment_status") == "fulfilled":
        return _user_error(
            "orderCancel", "Cannot cancel an order that has been fulfilled", "orderCancelUserErrors"
        )
    now = shop.tick()
    order.update(
        cancelled_at=now,
        updated_at=now,
        cancel_reason=str(v["reason"]).lower(),
        financial_status="refunded",
    )
    job = {"id": f"gid://shopify/Job/{shop.next_id()}", "done": False}
    return {"orderCancel": {"job": job, "orderCancelUserErrors": []}}, [
        ("orders/cancelled", order),
        ("orders/updated", order),
    ]


def hub_refund_create(shop: Shop, v: dict[str, Any]) -> Answer:
    data = v["input"]
    order = shop.orders.get(_num(data["orderId"]))
    if order is None:
        return _user_error("refundCreate", "Order does not exist")
    lines = data.get("refundLineItems") or []
    for line in lines:
        left = shop.refundable(order, _num(line["lineItemId"]))
        if int(line["quantity"]) > left:
            return _user_error(
                "refundCreate", "Quantity cannot refund more items than were purchased"
            )
    total = _refund_total(shop, order, lines)
    refund = {
        "id": shop.next_id(),
        "order_id": order["id"],
        "refund_line_items": [
            {"line_item_id": _num(line["lineItemId"]), "quantity": int(line["quantity"])}
            for line in lines
        ],
        "transactions": [{"amount": money(total), "kind": "refund"}],
    }
    order["refunds"].append(refund)
    left = sum(shop.refundable(order, i["id"]) for i in order["line_items"])
    order.update(
        updated_at=shop.tick(), financial_status="refunded" if not left else "partially_refunded"
    )
    return {
        "refundCreate": {
            "refund": {
                "id": f"gid://shopify/Refund/{refund['id']}",
                "totalRefundedSet": _money(money(total)),
            },
            "userErrors": [],
        }
    }, [("refunds/create", refund), ("orders/updated", order)]


def hub_order_update(shop: Shop, v: dict[str, Any]) -> Answer:
    data = v["input"]
    order = shop.orders.get(_num(data["id"]))
    if order is None:
        return _user_error("orderUpdate", "Order does not exist")
    if order.get("fulfillment_status") == "fulfilled":
        return _user_error("orderUpdate", "Shipping address cannot be changed on a fulfilled order")
    address = dict(data.get("shippingAddress") or {})
    name = " ".join(p for p in (address.pop("firstName", ""), address.pop("lastName", "")) if p)
    if name:
        address["name"] = name
    order.update(shipping_address=address, updated_at=shop.tick())
    return {
        "orderUpdate": {
            "order": {"id": data["id"], "updatedAt": order["updated_at"]},
            "userErrors": [],
        }
    }, [("orders/updated", order)]


def hub_order_invoice_send(shop: Shop, v: dict[str, Any]) -> Answer:
    order = shop.orders.get(_num(v["id"]))
    if order is None:
        return _user_error("orderInvoiceSend", "Order does not exist")
    if not order.get("email"):
        return _user_error("orderInvoiceSend", "The order has no email address to send to")
    return {"orderInvoiceSend": {"order": {"id": v["id"]}, "userErrors": []}}, []


OPERATIONS: dict[str, Callable[[Shop, dict[str, Any]], Answer]] = {
    "HubOrders": hub_orders,
    "HubOrder": hub_order,
    "HubStock": hub_stock,
    "HubSuggestedRefund": hub_suggested_refund,
    "HubOrderCancel": hub_order_cancel,
    "HubRefundCreate": hub_refund_create,
    "HubOrderUpdate": hub_order_update,
    "HubOrderInvoiceSend": hub_order_invoice_send,
}
