"""The email channel: mail in through the SMTP receiver and/or IMAP, replies out by SMTP."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence

from starlette.routing import BaseRoute, Route

from connectors.base import Connector
from connectors.email.attachments import ROUTE, AttachmentStore
from connectors.email.cleanup import sweep_daily
from connectors.email.imap import ImapPoller
from connectors.email.inbound import CHANNEL, EmailInbound
from connectors.email.receiver import SmtpReceiver
from connectors.email.sender import ThreadContext, compose, deliver, message_id_for
from connectors.email.settings import EmailSettings, EmailSettingsError
from hub.checks import Problem
from hub.errors import SendError
from hub.port import EMAIL, HubPort
from hub.settings import Settings
from hub.types import Outbound, SendResult


class EmailConnector(Connector):
    """Customers email the shop; agents' replies go out as email in the same thread.

    Inbound through the built-in SMTP receiver (``HUB_SMTP_LISTEN``) and/or IMAP
    polling (``HUB_IMAP_URL``), both handing raw messages to ``EmailInbound``.
    Outbound through ``HUB_SMTP_URL`` from ``HUB_EMAIL_ADDRESS``; without those the
    channel does not offer replies (``can_reach`` is False). Route:
    ``GET /email/attachments/{sha256}`` (signed-in agents only).
    """

    channel = CHANNEL
    reply_kinds = (EMAIL,)
    label = "Email"

    def __init__(self, port: HubPort) -> None:
        super().__init__(port)
        self.settings = EmailSettings.from_settings(port.settings)
        self.attachments = AttachmentStore(port, self.settings.max_attachment_bytes)
        self.inbound = EmailInbound(port, self.settings, self.attachments)
        self.receiver: SmtpReceiver | None = None
        self.poller: ImapPoller | None = None
        self._sweeper: asyncio.Task[None] | None = None
        if self.settings.listen is not None:
            host, listen_port = self.settings.listen
            self.receiver = SmtpReceiver(
                self.inbound, host, listen_port, max_bytes=self.settings.max_message_bytes
            )
        if self.settings.imap is not None:
            self.poller = ImapPoller(self.inbound, self.settings)

    @classmethod
    async def check(cls, settings: Settings) -> Sequence[Problem]:
        try:
            EmailSettings.from_settings(settings)
        except EmailSettingsError as exc:
            name, _, _ = str(exc).partition(" ")
            return [Problem(name.rstrip(":"), str(exc))]
        env = settings.environ
        if env.get("HUB_SMTP_URL") and not env.get("HUB_EMAIL_ADDRESS"):
            return [
                Problem(
                    "HUB_EMAIL_ADDRESS",
                    "is unset while HUB_SMTP_URL is set: every reply by email would fail "
                    "for want of a From address. Set it to the support address customers "
                    "write to.",
                )
            ]
        return []

    def routes(self) -> Sequence[BaseRoute]:
        return [Route(ROUTE, self.attachments.serve, methods=["GET"])]

    async def startup(self) -> None:
        if self.receiver is not None:
            await self.receiver.start()
        if self.poller is not None:
            self.poller.start()
        self._sweeper = asyncio.create_task(
            sweep_daily(self.port, self.attachments, self.channel), name="email-attachments"
        )

    async def shutdown(self) -> None:
        if self._sweeper is not None:
            self._sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sweeper
        if self.poller is not None:
            await self.poller.stop()
        if self.receiver is not None:
            await self.receiver.stop()

    def can_reach(self, kind: str, address: str, *, opted_out: bool = False) -> bool:
        return kind == EMAIL and self.settings.smtp is not None and bool(self.settings.address)

    def message_id(self, event_id: int) -> str:
        return message_id_for(event_id, self.port.settings.secret_key, self.settings.domain)

    async def send(self, message: Outbound) -> SendResult:
        """Send ``message`` once: skipped if an earlier attempt was accepted (see
        ``reconcile``); the acceptance is committed right after the server's 250."""
        if self.settings.smtp is None:
            raise SendError("outbound email is not configured (HUB_SMTP_URL)", transient=False)
        message_id = self.message_id(message.event_id)
        already = await self.reconcile(message)
        if already is not None:
            return already
        mail = compose(message, self.settings, message_id, await self._context(message))
        await deliver(self.settings.smtp, mail)
        await self.port.record_delivery(
            "sent", event_id=message.event_id, new_provider_id=message_id
        )
        return SendResult(message_id, "sent")

    async def reconcile(self, message: Outbound) -> SendResult | None:
        """SMTP keeps nothing to ask, so the hub's own record answers: the event holds
        our Message-ID only once a server accepted it."""
        message_id = self.message_id(message.event_id)
        event = await self.port.get_event(message.event_id)
        if event is not None and event.provider_id == message_id:
            return SendResult(message_id, event.status or "sent")
        return None

    async def _context(self, message: Outbound) -> ThreadContext | None:
        """The customer's latest mail to this address, which the reply threads under."""
        latest = await self.port.latest_inbound(message.customer_id, CHANNEL)
        data = latest.data if latest is not None else None
        if not data:
            return None
        references = data.get("references") or []
        return ThreadContext(
            message_id=data.get("message_id"),
            references=tuple(r for r in references if isinstance(r, str)),
            subject=str(data.get("subject") or ""),
        )
