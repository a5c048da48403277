"""Composing and sending the hub's mail through ``aiosmtplib``.

Every outbound message gets a ``Message-ID`` derived from its event id and the
hub's secret (the same on every attempt), ``In-Reply-To``/``References`` pointing at
the customer's latest mail so their client threads the conversation, a plain text
part and a minimal HTML part. Mail the hub sends by itself carries
``Auto-Submitted`` (RFC 3834) so well-behaved robots do not answer it.

Exactly-once: as soon as the server accepts the message, the connector commits that
Message-ID as the event's provider id (``EmailConnector.send``), and
``reconcile`` finds it there after a crash, so a retry never sends again. If the
connection breaks before the server accepted, the retry sends the same Message-ID,
which receiving clients treat as one message.
"""

from __future__ import annotations

import hashlib
import hmac
import html
import ipaddress
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr, formatdate

import aiosmtplib

from connectors.email.settings import EmailSettings, Endpoint
from hub.errors import SendError
from hub.types import Outbound

SUBJECT_FROM_BODY_CHARS = 60
MAX_REFERENCES = 20
SMTP_TIMEOUT_SECONDS = 30.0
# ``via`` of messages the hub sends by itself, and their RFC 3834 keyword.
AUTOMATIC = {"auto": "auto-replied", "csat": "auto-generated", "verification": "auto-generated"}


@dataclass(frozen=True)
class ThreadContext:
    """The customer's latest mail, which our reply answers."""

    message_id: str | None
    references: tuple[str, ...]
    subject: str


def message_id_for(event_id: int, secret_key: str, domain: str) -> str:
    """Our Message-ID for an outbound event (without <>): stable across retries and
    unique across hubs sharing a domain (keyed by the secret)."""
    tag = hmac.new(secret_key.encode(), f"email:{event_id}".encode(), hashlib.sha256)
    return f"hub.{event_id}.{tag.hexdigest()[:16]}@{domain}"


def reply_subject(subject: str) -> str:
    stripped = subject.strip()
    if not stripped:
        return ""
    return stripped if stripped.lower().startswith("re:") else f"Re: {stripped}"


def compose(
    message: Outbound,
    settings: EmailSettings,
    message_id: str,
    context: ThreadContext | None,
) -> EmailMessage:
    """The MIME message for ``message`` (text and minimal HTML)."""
    if not settings.address:
        raise SendError("no From address configured (HUB_EMAIL_ADDRESS)", transient=False)
    mail = EmailMessage()
    sender_name = " ".join((message.agent_name or "").split())
    mail["From"] = formataddr((sender_name, settings.address)) if sender_name else settings.address
    mail["To"] = message.address
    subject = str(message.data.get("subject") or "").strip()
    if not subject and context is not None:
        subject = reply_subject(context.subject)
    if not subject:
        first = message.body.strip().splitlines()[0] if message.body.strip() else ""
        subject = first[:SUBJECT_FROM_BODY_CHARS]
    # One line: a CR/LF in a header (an API caller's, or decoded from the customer's
    # encoded subject) would be refused, or worse, start a header of its own.
    mail["Subject"] = " ".join(subject.split())
    mail["Date"] = formatdate(localtime=False, usegmt=True)
    mail["Message-ID"] = f"<{message_id}>"
    if context is not None and context.message_id:
        mail["In-Reply-To"] = f"<{context.message_id}>"
        chain = [*context.references, context.message_id][-MAX_REFERENCES:]
        mail["References"] = " ".join(f"<{ref}>" for ref in chain)
    automatic = AUTOMATIC.get(str(message.data.get("via") or ""))
    if automatic:
        mail["Auto-Submitted"] = automatic
    mail.set_content(message.body)
    paragraphs = "".join(
        f"<p>{html.escape(p).replace(chr(10), '<br>')}</p>"
        for p in message.body.replace("\r\n", "\n").split("\n\n")
        if p.strip()
    )
    mail.add_alternative(f"<!doctype html><html><body>{paragraphs}</body></html>", subtype="html")
    return mail


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


async def deliver(endpoint: Endpoint, mail: EmailMessage) -> None:
    """Hand ``mail`` to the SMTP server; returns once the server accepted it.

    ``smtps://`` is TLS from the start; ``smtp://`` upgrades with STARTTLS, which is
    required before sending a password anywhere but loopback. A 5xx is a permanent
    ``SendError``; 4xx, timeouts and broken connections are transient.
    """
    require_tls = bool(endpoint.username) and not endpoint.tls and not _is_loopback(endpoint.host)
    client = aiosmtplib.SMTP(
        hostname=endpoint.host,
        port=endpoint.port,
        use_tls=endpoint.tls,
        start_tls=True if require_tls else None,
        timeout=SMTP_TIMEOUT_SECONDS,
    )
    try:
        await client.connect()
        if endpoint.username:
            await client.login(endpoint.username, endpoint.password or "")
        await client.send_message(mail)
    except aiosmtplib.SMTPRecipientsRefused as exc:
        codes = [r.code for r in exc.recipients]
        permanent = bool(codes) and all(500 <= c < 600 for c in codes)
        raise SendError(
            f"SMTP refused the recipient: {exc}", code="refused", transient=not permanent
        ) from exc
    except aiosmtplib.SMTPResponseException as exc:
        permanent = 500 <= exc.code < 600
        raise SendError(
            f"SMTP {exc.code}: {exc.message}", code=f"smtp_{exc.code}", transient=not permanent
        ) from exc
    except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
        raise SendError(f"SMTP server unreachable: {exc!r}", code="network") from exc
    finally:
        if client.is_connected:
            try:
                await client.quit()
            except (aiosmtplib.SMTPException, OSError, TimeoutError):
                client.close()
