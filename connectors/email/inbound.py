"""One raw message in, one clear outcome out — for the SMTP receiver, the IMAP poller
and ``hub simulate email`` alike.

``EmailInbound.receive`` returns only once what it decided is committed, so the SMTP
receiver answers ``250`` and the IMAP poller flags the message only after that:
a crash before never loses a mail, and a replay afterwards (same Message-ID) is a
no-op. Outcomes:

- ``stored`` / ``duplicate``: a customer's message, in their thread (the sender's
  address verified only when the message proves it, ``connectors.email.proof``);
- ``bounce``: a delivery status notification; the outbound messages it names are
  marked failed, nothing is added to a thread;
- ``ignored``: mail from the hub's own address (it never talks to itself);
- ``refused``: too large, or no sender address — the reason says which.

Automatic mail (auto-replies, lists, RFC 3834) is stored without re-opening the thread
or counting as a customer waiting, and never gets the out-of-hours auto-reply, so two
robots cannot start a loop through the hub.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any

from connectors.email.attachments import AttachmentStore
from connectors.email.parse import ParsedEmail, parse_message, reply_parser
from connectors.email.proof import DnsFunc, proves_sender
from connectors.email.settings import EmailSettings
from hub.errors import HubError
from hub.port import EMAIL, HubPort
from hub.types import Inbound, Media

log = logging.getLogger(__name__)

CHANNEL = "email"
# Parsing a message this large goes to a worker thread so the event loop keeps serving.
PARSE_IN_THREAD_BYTES = 512 * 1024
MAX_REFERENCES = 20


@dataclass(frozen=True)
class Outcome:
    status: str  # stored | duplicate | bounce | ignored | refused
    reason: str = ""
    event_id: int | None = None
    customer_id: int | None = None

    @property
    def accepted(self) -> bool:
        """Whether the mail server may forget the message (it is committed or judged)."""
        return self.status != "refused"


class EmailInbound:
    def __init__(self, port: HubPort, settings: EmailSettings, store: AttachmentStore) -> None:
        self.port = port
        self.settings = settings
        self.store = store
        self.replies = reply_parser(settings.reply_languages)
        # DKIM key look-ups; tests put their own resolver here (None: real DNS).
        self.dnsfunc: DnsFunc | None = None

    async def receive(self, raw: bytes, *, envelope_sender: str | None = None) -> Outcome:
        """Store ``raw`` (see the module docstring); returns once it is committed."""
        limit = self.settings.max_message_bytes
        if len(raw) > limit:
            return Outcome("refused", f"message larger than {limit} bytes")
        if len(raw) > PARSE_IN_THREAD_BYTES:
            parsed = await asyncio.to_thread(parse_message, raw, self.replies)
        else:
            parsed = parse_message(raw, self.replies)
        if parsed.bounce is not None:
            return await self._bounce(parsed)
        sender = parsed.sender or (envelope_sender or None)
        if not sender:
            return Outcome("refused", "the message has no sender address")
        own = (self.settings.address or "").lower()
        if own and sender.lower() == own:
            return Outcome("ignored", "sent from the hub's own address")
        verified = await proves_sender(
            raw,
            parsed.message,
            parsed.sender,
            trusted_authserv_id=self.settings.trusted_authserv_id,
            dnsfunc=self.dnsfunc,
        )
        inbound = await self._inbound(parsed, sender, verified)
        try:
            received = await self.port.ingest(inbound)
        except HubError as exc:
            return Outcome("refused", exc.message)
        if received.duplicate:
            return Outcome("duplicate", "", received.event_id, received.customer_id)
        return Outcome("stored", "", received.event_id, received.customer_id)

    async def _inbound(self, parsed: ParsedEmail, sender: str, verified: bool) -> Inbound:
        attachments = [await self.store.keep(a) for a in parsed.attachments]
        media = tuple(
            Media(entry["url"], entry["content_type"]) for entry in attachments if "url" in entry
        )
        data: dict[str, Any] = {
            "subject": parsed.subject,
            "message_id": parsed.message_id,
            "references": [*parsed.references[-MAX_REFERENCES:]],
        }
        if parsed.in_reply_to:
            data["in_reply_to"] = parsed.in_reply_to
        if parsed.quoted:
            data["quoted"] = parsed.quoted
        if parsed.html:
            data["html"] = parsed.html
        if attachments:
            data["attachments"] = attachments
        if parsed.auto:
            data["auto"] = parsed.auto
        if parsed.defects:
            data["defects"] = parsed.defects[:20]
        body = parsed.reply or (f"({parsed.subject})" if parsed.subject else None)
        if body is None and attachments:
            body = "(attachments only)"
        return Inbound(
            channel=CHANNEL,
            kind=EMAIL,
            address=sender,
            body=body,
            provider_id=parsed.provider_id,
            verified=verified,
            name=parsed.sender_name,
            media=media,
            data=data,
            awaits_reply=parsed.auto is None,
        )

    async def _bounce(self, parsed: ParsedEmail) -> Outcome:
        bounce = parsed.bounce
        assert bounce is not None
        reason = bounce.diagnostic or bounce.status or "the recipient's server refused it"
        found = None
        for message_id in bounce.message_ids:
            found = (
                await self.port.record_delivery(
                    "failed",
                    channel=CHANNEL,
                    provider_id=message_id,
                    error_code=bounce.status or "bounced",
                    error_message=f"bounced: {reason}",
                )
                or found
            )
        if found is None:
            log.info("bounce for unknown message(s) %s", bounce.message_ids)
            return Outcome("bounce", "no outbound message of ours matched")
        return Outcome("bounce", reason, found.id, found.customer_id)
