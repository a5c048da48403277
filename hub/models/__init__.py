"""Every table of the hub. Import this package to register them all on ``Base.metadata``."""

from hub.models.audit import AuditEntry, HandoffCode, Merge
from hub.models.customer import Customer, Detail, Identity
from hub.models.inbox import EVENTS_BY_CUSTOMER_CHANNEL
from hub.models.instore import TerminalFrame
from hub.models.order import Order, OrderItem
from hub.models.outbox import OutboxJob
from hub.models.staff import Agent, ApiToken, Store, Terminal
from hub.models.thread import Event, Thread

__all__ = [
    "EVENTS_BY_CUSTOMER_CHANNEL",
    "Agent",
    "ApiToken",
    "AuditEntry",
    "Customer",
    "Detail",
    "Event",
    "HandoffCode",
    "Identity",
    "Merge",
    "Order",
    "OrderItem",
    "OutboxJob",
    "Store",
    "Terminal",
    "TerminalFrame",
    "Thread",
]
