"""Indexes the agent console's inbox relies on (no tables of its own).

``ix_events_customer_channel`` answers "which channels has this customer used" and
"customers who used channel X" from the index alone, however long the history.

``ix_threads_status_activity`` gives the threads of one status newest activity first
(the inbox's default, open threads, and the REST API's status filter), so the first
page is read in order from the index and the rest is never looked at: with a status
index alone every thread of that status was read and sorted (10,000 open threads:
~10 ms on PostgreSQL). It replaces the status-only index, of which it is a prefix.
"""

from __future__ import annotations

from sqlalchemy import Index

from hub.models.thread import Event, Thread

EVENTS_BY_CUSTOMER_CHANNEL = Index("ix_events_customer_channel", Event.customer_id, Event.channel)
THREADS_BY_STATUS_ACTIVITY = Index(
    "ix_threads_status_activity", Thread.status, Thread.last_activity_at, Thread.id
)
