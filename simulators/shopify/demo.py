"""The demo shop: the demo retailer's products with stock at its three stores and online."""

from __future__ import annotations

import random

from hub.demo.data import PRODUCTS, STORES
from hub.demo.showcase import MARIA
from simulators.shopify.state import ONLINE, Shop

# Demo only: the simulator's credentials (never a real shop's).
DEMO_TOKEN = "shpat_demo_token_not_secret"
DEMO_SECRET = "demo-shopify-secret-not-secret"


def demo_shop(seed: int = 7, *, showcase: bool = True) -> Shop:
    """Every demo product in stock somewhere (each store's name is a Shopify location),
    and (``showcase``) one pickup order of the showcase customer."""
    rng = random.Random(seed)
    shop = Shop(locations=[name for _, name, *_ in STORES] + [ONLINE])
    for sku, title, cents in PRODUCTS:
        stock = {location: rng.choice((0, 0, 1, 2, 3, 5, 8)) for location in shop.locations}
        stock[ONLINE] = rng.randint(4, 30)
        shop.add_product(sku, title, cents, stock)
    if not showcase:
        return shop
    # The showcase customer's web order for pickup downtown (order id 5000001): mark it
    # ready with POST /_sim/orders/5000001/ready and she is told on her last channel.
    shop.place_order(
        email=MARIA.email,
        phone=MARIA.phone,
        name=MARIA.name,
        lines=[("JKT-RAIN-M", 1), ("CAP-RUN", 1)],
        pickup_at=STORES[0][1],
    )
    return shop
