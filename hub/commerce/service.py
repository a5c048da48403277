"""``CommerceService``: the shop adapter plus a short-lived stock cache.

A shop connector builds one in its constructor and sets it as ``hub.commerce`` (None
when no shop is configured). Stock is cached per SKU for ``STOCK_TTL`` seconds so a
busy console does not query the shop for every page view; ``cached_stock`` never
waits on the shop, ``stock`` waits at most ``STOCK_TIMEOUT`` seconds.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass

from hub.commerce.port import CommercePort, ProductStock, ShopUnavailable

STOCK_TTL = 60.0
STOCK_TIMEOUT = 3.0
MAX_SKUS = 20


@dataclass
class _Entry:
    stock: ProductStock | None  # None: the shop does not know the SKU
    at: float


class CommerceService:
    def __init__(self, port: CommercePort, *, channel: str, ttl: float = STOCK_TTL) -> None:
        self.port = port
        # The connector's channel: the shop's orders appear on timelines under it.
        self.channel = channel
        self.ttl = ttl
        self._stock: dict[str, _Entry] = {}

    @property
    def label(self) -> str:
        return self.port.label

    def owns(self, external_id: str) -> bool:
        return self.port.owns(external_id)

    def cached_stock(self, skus: Sequence[str]) -> tuple[list[ProductStock], list[str]]:
        """``(known, missing)``: fresh cached stock of ``skus`` and the SKUs not cached."""
        now = time.monotonic()
        known: list[ProductStock] = []
        missing: list[str] = []
        for sku in _clean(skus):
            entry = self._stock.get(sku)
            if entry is None or now - entry.at > self.ttl:
                missing.append(sku)
            elif entry.stock is not None:
                known.append(entry.stock)
        return known, missing

    async def stock(
        self, skus: Sequence[str], *, wait: float = STOCK_TIMEOUT
    ) -> list[ProductStock]:
        """Stock of ``skus`` (in that order; unknown SKUs left out), from the cache when
        fresh, else from the shop. Raises ``ShopUnavailable`` when the shop does not
        answer within ``wait`` seconds."""
        wanted = _clean(skus)
        _, missing = self.cached_stock(wanted)
        if missing:
            try:
                async with asyncio.timeout(wait):
                    fetched = await self.port.stock(missing)
            except TimeoutError as exc:
                raise ShopUnavailable(f"{self.label} did not answer in time") from exc
            now = time.monotonic()
            by_sku = {s.sku: s for s in fetched}
            for sku in missing:
                self._stock[sku] = _Entry(by_sku.get(sku), now)
        return [e.stock for sku in wanted if (e := self._stock.get(sku)) and e.stock is not None]

    def forget_stock(self) -> None:
        self._stock.clear()


def _clean(skus: Sequence[str]) -> list[str]:
    seen: dict[str, None] = {}
    for sku in skus:
        sku = sku.strip()
        if sku and len(seen) < MAX_SKUS:
            seen.setdefault(sku, None)
    return list(seen)
