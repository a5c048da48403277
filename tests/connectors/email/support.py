"""Helpers for email tests: building messages, sending them by SMTP, DKIM keys."""

from __future__ import annotations

import base64
import subprocess
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path
from typing import Any

import aiosmtplib
import dkim

from connectors.email import EmailConnector
from hub.core import Hub

SHOP = "support@shop.example"


def email_connector(hub: Hub) -> EmailConnector:
    connector = hub.connector("email")
    assert isinstance(connector, EmailConnector)
    return connector


def mail(
    sender: str = "Ann Customer <ann@customer.example>",
    subject: str = "Where is my order?",
    body: str = "Hi, where is order 1001?",
    *,
    message_id: str | None = None,
    html: str | None = None,
    headers: dict[str, str] | None = None,
    attachments: list[tuple[str, str, bytes]] = (),  # type: ignore[assignment]
) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = SHOP
    msg["Subject"] = subject
    msg["Message-ID"] = message_id or make_msgid(domain="customer.example")
    for name, value in (headers or {}).items():
        msg[name] = value
    msg.set_content(body)
    if html is not None:
        msg.add_alternative(html, subtype="html")
    for filename, content_type, data in attachments:
        maintype, subtype = content_type.split("/")
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return msg


async def smtp_send(address: tuple[str, int], raw: bytes | EmailMessage, **kwargs: Any) -> Any:
    """Deliver ``raw`` to the SMTP server at ``address`` as an MTA would."""
    data = raw if isinstance(raw, bytes) else raw.as_bytes()
    return await aiosmtplib.send(
        data,
        sender=kwargs.pop("sender", "ann@customer.example"),
        recipients=kwargs.pop("recipients", [SHOP]),
        hostname=address[0],
        port=address[1],
        **kwargs,
    )


@dataclass(frozen=True)
class DkimKey:
    """An RSA key made for the test session, and the DNS TXT record publishing it."""

    domain: str
    selector: str
    private_pem: bytes
    txt: bytes

    def sign(self, raw: bytes, domain: str | None = None) -> bytes:
        signature = dkim.sign(
            raw,
            self.selector.encode(),
            (domain or self.domain).encode(),
            self.private_pem,
            include_headers=[b"from", b"to", b"subject", b"message-id"],
        )
        return bytes(signature) + raw

    def dns(self, name: bytes, timeout: float = 5) -> bytes | None:
        """A ``dkimpy`` dnsfunc answering for any domain this key signs as."""
        if name.decode().startswith(f"{self.selector}._domainkey."):
            return self.txt
        return None


def make_dkim_key(folder: Path, domain: str = "customer.example") -> DkimKey:
    private = folder / "dkim.pem"
    subprocess.run(
        ["openssl", "genrsa", "-traditional", "-out", str(private), "2048"],
        check=True,
        capture_output=True,
    )
    public = subprocess.run(
        ["openssl", "rsa", "-in", str(private), "-pubout", "-outform", "DER"],
        check=True,
        capture_output=True,
    ).stdout
    txt = b"v=DKIM1; k=rsa; p=" + base64.b64encode(public)
    return DkimKey(domain, "test", private.read_bytes(), txt)
