"""Read-only frames: ``stock`` (the shop's stock of a SKU per location) and ``pickups``
(the store's pickup list of the day).

They change nothing, so they are answered without claiming the frame id or storing
the ack (a resend simply asks again), and the shop is asked outside any database
transaction. The terminal is checked (revoked, role) like for every frame.
"""

from __future__ import annotations

from datetime import datetime, time
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from connectors.instore.protocol import ROLE_TYPES, FrameError, text
from hub.db import utcnow
from hub.errors import Forbidden, NotFound
from hub.port import HubPort
from hub.port.terminals import TerminalRef

LOOKUP_TYPES = frozenset({"stock", "pickups"})


async def _terminal(port: HubPort, terminal_id: int, frame_type: str) -> TerminalRef:
    terminal = await port.terminals.terminal(terminal_id)
    if frame_type not in ROLE_TYPES.get(terminal.role, frozenset()):
        raise Forbidden(f"a {terminal.role} terminal cannot send {frame_type}")
    return terminal


async def stock(port: HubPort, terminal_id: int, frame: dict[str, Any]) -> dict[str, Any]:
    """``{"sku": …}`` → ``{"sku", "name", "levels": [{"location", "available"}], "summary"}``."""
    await _terminal(port, terminal_id, "stock")
    sku = text(frame, "sku", required=True, max_len=64)
    found = await port.terminals.stock([sku])
    if not found:
        raise NotFound(f"the shop has no product with SKU {sku!r}")
    product = found[0]
    return {
        "sku": product.sku,
        "name": product.name,
        "levels": [{"location": lv.location, "available": lv.available} for lv in product.levels],
        "summary": product.summary(),
    }


def _day_start(terminal: TerminalRef) -> datetime:
    try:
        zone = ZoneInfo(terminal.store_timezone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    return datetime.combine(utcnow().astimezone(zone).date(), time(), tzinfo=zone)


async def pickups(port: HubPort, terminal_id: int, frame: dict[str, Any]) -> dict[str, Any]:
    """``{}`` → ``{"store", "pickups": [{order, number, status, customer_id, customer_name,
    items, thread_url}]}``: orders for pickup at this store (by its name or code) that
    are waiting or ready, and those handed over today (in the store's time zone)."""
    terminal = await _terminal(port, terminal_id, "pickups")
    found = await port.terminals.pickups(
        (terminal.store_name, terminal.store_code), _day_start(terminal)
    )
    public = port.settings.public_url.rstrip("/")
    return {
        "store": terminal.store_code,
        "pickups": [
            {
                "order_id": p.order_id,
                "number": p.number,
                "status": p.status,
                "customer_id": p.customer_id,
                "customer_name": p.customer_name,
                "items": [{"quantity": q, "name": n} for q, n in p.items],
                "thread_url": f"{public}/customers/{p.customer_id}" if p.customer_id else None,
            }
            for p in found
        ],
    }


async def answer_lookup(port: HubPort, terminal_id: int, frame: dict[str, Any]) -> dict[str, Any]:
    """The result of a read-only frame; raises ``HubError`` (an error ack) or
    ``Revoked``."""
    frame_type = str(frame["type"])
    if frame_type == "stock":
        return await stock(port, terminal_id, frame)
    if frame_type == "pickups":
        return await pickups(port, terminal_id, frame)
    raise FrameError(f"{frame_type} is not a lookup", code="unknown_type")  # pragma: no cover
