"""Wiring of the "day two" features into an assembled hub (called by ``create_app``)."""

from __future__ import annotations

from hub.core import Hub
from hub.csat import install_csat
from hub.webhooks import install_webhooks


def install_day_two(hub: Hub) -> None:
    """Subscribe outbound webhooks and CSAT surveys to ``hub``'s domain events."""
    install_webhooks(hub)
    install_csat(hub)
