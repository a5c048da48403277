"""An SMTP server (``aiosmtpd``) that keeps every message it is given, in memory.

It accepts any sender and recipient and never relays. ``fail_next`` makes the next
deliveries answer ``451`` (a temporary failure) so retries can be exercised.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from typing import Any

from aiosmtpd.smtp import SMTP, Envelope, Session

MAX_KEPT = 500
_PARSER = BytesParser(policy=policy.default)


@dataclass(frozen=True)
class CaughtMail:
    mail_from: str
    rcpt_tos: tuple[str, ...]
    raw: bytes
    received_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    @property
    def message(self) -> EmailMessage:
        parsed = _PARSER.parsebytes(self.raw)
        assert isinstance(parsed, EmailMessage)
        return parsed


class MailSink:
    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.host = host
        self.port = port
        self.messages: list[CaughtMail] = []
        self.fail_next = 0
        self.arrived = asyncio.Event()
        self._server: asyncio.Server | None = None

    @property
    def address(self) -> tuple[str, int]:
        if self._server is None or not self._server.sockets:
            return self.host, self.port
        sockname: Any = self._server.sockets[0].getsockname()
        return sockname[0], sockname[1]

    @property
    def url(self) -> str:
        host, port = self.address
        return f"smtp://{host}:{port}"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if self.fail_next > 0:
            self.fail_next -= 1
            return "451 4.3.0 Try again later (simulated)"
        content = envelope.original_content or envelope.content or b""
        raw = content if isinstance(content, bytes) else content.encode()
        self.messages.append(CaughtMail(envelope.mail_from or "", tuple(envelope.rcpt_tos), raw))
        del self.messages[:-MAX_KEPT]
        self.arrived.set()
        return "250 2.0.0 OK"

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(
            lambda: SMTP(self, enable_SMTPUTF8=True, hostname="mail-catcher"),
            host=self.host,
            port=self.port,
        )

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
