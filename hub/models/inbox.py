"""Indexes the agent console's inbox relies on (no tables of its own).

``ix_events_customer_channel`` answers "which channels has this customer used" and
"customers who used channel X" from the index alone, however long the history.
"""

from __future__ import annotations

from sqlalchemy import Index

from hub.models.thread import Event

EVENTS_BY_CUSTOMER_CHANNEL = Index("ix_events_customer_channel", Event.customer_id, Event.channel)
