"""The one interface every channel implements, owned by the hub.

A connector turns its provider's input into ``hub.types.Inbound`` and hands it to the
hub through its port: ``await self.port.ingest(inbound)`` (group-committed; returns
once stored). Everything else a channel may ask of the hub is a typed method of
``hub.port.HubPort``; a connector never imports the hub's actions or models and never
writes tables itself (``lint-imports`` checks it). It delivers what agents send
through ``send``, which the outbox calls after the reply is committed.

Adding a channel:
1. Create ``connectors/<name>/`` with a ``Connector`` subclass; set ``channel`` (the
   value stored on events, e.g. ``"sms"``) and ``reply_kinds`` (identity kinds a
   reply can be delivered to, e.g. ``("phone",)``; empty if agents cannot reply).
2. Return its HTTP/WebSocket routes from ``routes()`` and its socket.io namespaces
   from ``namespaces()``.
3. Implement ``send`` (raise ``hub.errors.SendError(transient=...)`` on failure) and,
   if the provider can tell, ``reconcile`` for sends whose outcome was lost in a crash.
   A provider rule about what may be sent when (WhatsApp's 24-hour window, its
   templates) goes in ``prepare_reply``, which ``send_reply`` calls before committing.
4. If it has settings, return what is wrong with them from ``check`` (``hub check``
   and ``hub serve``'s start report it).
5. Add one line to ``connectors/registry.py``. Nothing in ``hub/`` changes.

``connectors/base.py`` re-exports ``Connector`` for connectors' imports; see also
docs/architecture.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, ClassVar

import socketio
from starlette.routing import BaseRoute, Route

from hub.checks import Problem
from hub.errors import Invalid
from hub.events import DomainEvent
from hub.settings import Settings
from hub.types import Outbound, Recipient, ReplyOptions, SendResult

if TYPE_CHECKING:
    from hub.core import UnitOfWork
    from hub.port import HubPort


class Connector:
    channel: ClassVar[str]
    reply_kinds: ClassVar[tuple[str, ...]] = ()
    # Shown in the console's channel selector and badges.
    label: ClassVar[str] = ""
    # Scripts (paths under /static) every console page loads after console.js, for
    # channel-specific console features such as the phone's browser softphone.
    console_scripts: ClassVar[tuple[str, ...]] = ()

    def __init__(self, port: HubPort) -> None:
        self.port = port
        # The runtime behind the port. No connector in this repository uses it any
        # more (everything goes through ``port``); kept for connectors outside it.
        self.hub = port.hub

    @classmethod
    async def check(cls, settings: Settings) -> Sequence[Problem]:
        """What is wrong with this channel's settings, in plain words naming the variable
        to change (``hub.checks.Problem``); empty when they are right or the channel is
        simply not configured. Called by ``hub check`` and when ``hub serve`` starts,
        before any connector is built; may reach the provider, briefly."""
        return ()

    def routes(self) -> Sequence[BaseRoute]:
        return ()

    def provider_callbacks(self) -> Sequence[Route]:
        """The provider's webhooks among this channel's routes (not repeated in
        ``routes``): plain paths, each endpoint checking the provider's signature and
        using neither ``request.app`` nor the console's session. The hub serves them on
        its lean path (``hub.web.callbacks``)."""
        return ()

    def namespaces(self) -> Sequence[socketio.AsyncNamespace]:
        return ()

    async def startup(self) -> None:
        """Called once the app starts (after the database is ready)."""

    async def shutdown(self) -> None:
        """Called when the app stops."""

    def can_reach(self, kind: str, address: str, *, opted_out: bool = False) -> bool:
        """Whether a reply can go to this identity; SMS refuses opted-out numbers."""
        return kind in self.reply_kinds

    async def prepare_reply(
        self, uow: UnitOfWork, to: Recipient, body: str, data: dict[str, Any]
    ) -> str:
        """Check a reply to ``to`` against the channel's own rules, inside
        ``send_reply``'s transaction (pass ``uow`` to the port's reads so they see it),
        and return the body to store.

        Raise ``hub.errors.Unreachable``/``Invalid`` to refuse it with a reason the agent
        can act on. ``data["template"]`` asks for one of the provider's approved
        templates (``{"sid", "variables"}``); a channel without templates refuses it.
        ``data`` may be completed (it is stored on the event and reaches ``send``).
        """
        if data.get("template") is not None:
            raise Invalid(f"{self.label or self.channel} has no message templates", code="template")
        return body

    async def reply_options(
        self, customer_id: int, addresses: Sequence[Recipient]
    ) -> ReplyOptions | None:
        """What the console's reply box should say about replying on this channel to
        the customer's ``addresses`` now (a window closing, templates to offer); None:
        nothing."""
        return None

    async def send(self, message: Outbound) -> SendResult:
        """Deliver a committed outbound message. Must be safe to call again for the
        same ``message.event_id`` (idempotent where the provider allows)."""
        raise NotImplementedError(f"{self.channel} cannot send")

    async def reconcile(self, message: Outbound) -> SendResult | None:
        """For a send whose outcome was lost (crash mid-send): return what the provider
        holds for ``message.event_id``, or None if it never got it."""
        return None

    async def on_event(self, event: DomainEvent) -> None:
        """Called after commit, in the committing process, for every domain event."""
