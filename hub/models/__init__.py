"""Every table of the hub. Import this package to register them all on ``Base.metadata``."""

from hub.models.audit import AuditEntry, HandoffCode, Merge
from hub.models.canned import CannedResponse
from hub.models.consent import OptIn
from hub.models.csat import CsatSurvey
from hub.models.customer import Customer, Detail, Identity
from hub.models.hours import BusinessHours, OutOfHoursReply
from hub.models.inbox import EVENTS_BY_CUSTOMER_CHANNEL, THREADS_BY_STATUS_ACTIVITY
from hub.models.instore import TerminalFrame
from hub.models.ivr import IvrMenu
from hub.models.order import Order, OrderAction, OrderItem, ProviderDelivery
from hub.models.outbox import OutboxJob
from hub.models.sessions import AgentSession
from hub.models.staff import Agent, ApiToken, Store, Terminal
from hub.models.subscriptions import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from hub.models.thread import Event, Thread

__all__ = [
    "EVENTS_BY_CUSTOMER_CHANNEL",
    "THREADS_BY_STATUS_ACTIVITY",
    "Agent",
    "AgentSession",
    "ApiToken",
    "AuditEntry",
    "BusinessHours",
    "CannedResponse",
    "CsatSurvey",
    "Customer",
    "Detail",
    "Event",
    "HandoffCode",
    "Identity",
    "IvrMenu",
    "Merge",
    "OptIn",
    "Order",
    "OrderAction",
    "OrderItem",
    "OutOfHoursReply",
    "OutboxJob",
    "ProviderDelivery",
    "Store",
    "Terminal",
    "TerminalFrame",
    "Thread",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookEndpoint",
]
