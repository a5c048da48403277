"""Wiring of the "day two" features into an assembled hub (called by ``create_app``)."""

from __future__ import annotations

from hub.commerce.jobs import install_commerce
from hub.core import Hub
from hub.csat import install_csat
from hub.webhooks import install_webhooks


def install_day_two(hub: Hub) -> None:
    """Subscribe outbound webhooks, CSAT surveys and the shop's backfill to ``hub``'s
    domain events."""
    install_webhooks(hub)
    install_csat(hub)
    install_commerce(hub)
