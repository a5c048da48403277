"""``GET /stock?sku=…``: the shop's stock of one product, per location."""

from __future__ import annotations

from hub.commerce.port import ProductStock
from hub.errors import HubError, NotFound
from hub.web.api.endpoint import Call, Endpoint, Reply
from hub.web.api.schema import Arr, Int, Obj, Param, Str

STOCK_LEVEL = Obj(
    {"location": Str(), "available": Int()},
    required=("location", "available"),
    description="Units available at one location (a store or a warehouse).",
)
STOCK = Obj(
    {
        "sku": Str(),
        "name": Str(),
        "levels": Arr(STOCK_LEVEL),
        "summary": Str(description='e.g. "Blue sofa: Union Square 3, Mission 0, online 12"'),
    },
    required=("sku", "name", "levels", "summary"),
)


def stock_dict(stock: ProductStock) -> dict[str, object]:
    return {
        "sku": stock.sku,
        "name": stock.name,
        "levels": [{"location": lv.location, "available": lv.available} for lv in stock.levels],
        "summary": stock.summary(),
    }


async def get_stock(call: Call) -> Reply:
    commerce = call.hub.commerce
    if commerce is None:
        raise HubError("no shop is connected (docs/commerce.md)", code="no_shop", status=422)
    sku = call.params["sku"].strip()
    found = await commerce.stock([sku])
    if not found:
        raise NotFound(f"the shop has no product with SKU {sku!r}")
    return Reply(stock_dict(found[0]))


def endpoints() -> list[Endpoint]:
    return [
        Endpoint(
            "GET",
            "/stock",
            get_stock,
            operation_id="getStock",
            summary="Stock of a product per location, from the connected shop",
            description=(
                "Read from the shop's API and cached for a minute. 404 when the shop has "
                "no such SKU, 422 `no_shop` when no shop is connected, 503 "
                "`shop_unavailable` when the shop does not answer in time."
            ),
            tag="stock",
            params=[Param("sku", Str(min_length=1, max_length=64), required=True)],
            errors=[404],
            responses={200: ("Units available per location", STOCK)},
        )
    ]
