"""The built-in SMTP receiver (``aiosmtpd``) the MX or a relay delivers to.

Listens on ``HUB_SMTP_LISTEN`` in the hub's own event loop. ``DATA`` is answered only
after the message is committed (``EmailInbound.receive``): ``250`` then, ``451`` on
a temporary failure (the sending server keeps the message and retries; the retry is
a no-op if the first attempt did commit), ``552``/``550`` for a message refused for
good. The ``SIZE`` extension advertises ``HUB_EMAIL_MAX_MESSAGE_BYTES`` and aiosmtpd
refuses larger data with ``552`` without buffering it.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from typing import Any

from aiosmtpd.smtp import SMTP, Envelope, Session

from connectors.email.inbound import EmailInbound

log = logging.getLogger(__name__)


class _Handler:
    def __init__(self, inbound: EmailInbound) -> None:
        self.inbound = inbound

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.original_content or envelope.content or b""
        raw = content if isinstance(content, bytes) else content.encode("utf-8", "replace")
        sender = envelope.mail_from or None
        try:
            outcome = await self.inbound.receive(raw, envelope_sender=sender)
        except Exception:
            log.exception("storing an email failed; the sender will retry")
            return "451 4.3.0 Temporary failure storing the message, try again later"
        if outcome.status == "refused":
            code = "552 5.3.4" if "larger" in outcome.reason else "550 5.6.0"
            return f"{code} {outcome.reason}"
        return "250 2.0.0 OK"


class SmtpReceiver:
    def __init__(self, inbound: EmailInbound, host: str, port: int, *, max_bytes: int) -> None:
        self.inbound = inbound
        self.host = host
        self.port = port
        self.max_bytes = max_bytes
        self._server: asyncio.Server | None = None

    @property
    def address(self) -> tuple[str, int]:
        """Where it listens (the real port when configured with port 0)."""
        if self._server is None or not self._server.sockets:
            return self.host, self.port
        sockname: Any = self._server.sockets[0].getsockname()
        return sockname[0], sockname[1]

    async def start(self) -> None:
        # aiosmtpd logs every command with the envelope addresses at INFO ("mail.log"):
        # customers' addresses do not belong in the hub's logs, its warnings do.
        logging.getLogger("mail.log").setLevel(logging.WARNING)
        handler = _Handler(self.inbound)
        loop = asyncio.get_running_loop()
        hostname = socket.gethostname() if self.host in ("", "0.0.0.0", "::") else self.host
        self._server = await loop.create_server(
            lambda: SMTP(
                handler,
                data_size_limit=self.max_bytes,
                enable_SMTPUTF8=True,
                hostname=hostname,
                ident="omnihub",
            ),
            host=self.host,
            port=self.port,
        )
        log.info("SMTP receiver listening on %s:%s", *self.address)

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
