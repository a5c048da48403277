"""Reading one raw message (RFC 5322 / MIME) into what the hub stores.

The standard library's ``email`` with ``policy.default`` does the MIME work: encoded
headers (RFC 2047) come out as text, each part is decoded with its declared charset.
A message the parser cannot fully read is never dropped: whatever text it yields is
stored, its defects are listed, and if no text came out the raw message itself is
kept as an attachment (``message.eml``) so an agent can open it.

Auto-replies (RFC 3834 ``Auto-Submitted``, ``Precedence: bulk|junk|list``, the common
``X-Autoreply`` family) are flagged so the hub neither re-opens the thread nor answers
them; delivery status notifications (RFC 3464 ``multipart/report``) become ``Bounce``.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage, Message
from email.parser import BytesParser
from email.utils import getaddresses

from mailparser_reply import EmailReplyParser

from connectors.email.html import html_to_text, sanitize

# ``events.provider_id`` is at most 128 characters; longer ids are stored hashed.
MAX_PROVIDER_ID = 128
MAX_SUBJECT_CHARS = 300
MAX_TEXT_CHARS = 100_000
UNREADABLE = "(This message could not be read; the original is attached as message.eml.)"
_MSGID = re.compile(r"<([^<>\s]+)>")
_PARSER = BytesParser(policy=policy.default)
_REPLIES = EmailReplyParser(languages=["en"])


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class Bounce:
    """A delivery status notification: which of our messages failed, and why."""

    message_ids: tuple[str, ...]
    status: str | None
    diagnostic: str | None
    recipient: str | None


@dataclass
class ParsedEmail:
    provider_id: str
    message_id: str | None
    sender: str | None
    sender_name: str | None
    subject: str
    text: str
    reply: str
    quoted: str | None
    html: str | None
    in_reply_to: str | None
    references: tuple[str, ...]
    auto: str | None  # why this is automatic mail (RFC 3834), or None for a person
    bounce: Bounce | None
    # The parsed message itself, for checks that read its headers (``proof``).
    message: EmailMessage = field(default_factory=EmailMessage, repr=False)
    attachments: list[Attachment] = field(default_factory=list)
    defects: list[str] = field(default_factory=list)


def message_ids(value: str | None) -> tuple[str, ...]:
    """The ids in a ``Message-ID``/``In-Reply-To``/``References`` value, without <>."""
    return tuple(_MSGID.findall(value or ""))


def provider_id_of(message_id: str | None, raw: bytes) -> str:
    """The event's provider id: the Message-ID (hashed when longer than the column),
    or a hash of the raw bytes for the rare message without one (a replay of the same
    bytes is still recognised)."""
    if message_id and len(message_id) <= MAX_PROVIDER_ID:
        return message_id
    source = message_id.encode() if message_id else raw
    return "sha256:" + hashlib.sha256(source).hexdigest()


def parse_message(raw: bytes, replies: EmailReplyParser | None = None) -> ParsedEmail:
    """Everything the hub keeps of ``raw``; never raises on malformed input.

    ``replies`` is the reply parser for the shop's customers' languages
    (``reply_parser``; English by default)."""
    msg = _PARSER.parsebytes(raw)
    assert isinstance(msg, EmailMessage)
    defects = [type(d).__name__ for d in msg.defects]
    # Headers read as raw text where no decoding is needed: ``policy.default`` parses a
    # header anew on every access, which costs more than the rest of a small message.
    plain = _raw_headers(msg)
    ids = message_ids(plain.get("message-id"))
    message_id = ids[0] if ids else None
    sender_name, sender = _sender(msg, defects)
    content_type = msg.get_content_type()
    text, html, attachments = _body(msg, content_type, defects)
    bounce = _bounce(msg, plain) if content_type == "multipart/report" else None
    if not text.strip() and not attachments and bounce is None:
        text = UNREADABLE
        attachments.append(Attachment("message.eml", "message/rfc822", raw))
    reply, quoted = split_reply(text, replies)
    return ParsedEmail(
        provider_id=provider_id_of(message_id, raw),
        message_id=message_id,
        sender=sender,
        sender_name=sender_name,
        subject=_header(msg, "Subject", defects).strip()[:MAX_SUBJECT_CHARS],
        text=text,
        reply=reply,
        quoted=quoted,
        html=sanitize(html) if html else None,
        in_reply_to=(message_ids(plain.get("in-reply-to")) or (None,))[0],
        references=message_ids(plain.get("references")),
        auto=automatic(plain, content_type),
        bounce=bounce,
        message=msg,
        attachments=attachments,
        defects=sorted(set(defects)),
    )


def reply_parser(languages: tuple[str, ...] = ("en",)) -> EmailReplyParser:
    """A reply parser for these languages (each one costs about a millisecond a mail)."""
    return EmailReplyParser(languages=list(languages))


def split_reply(text: str, replies: EmailReplyParser | None = None) -> tuple[str, str | None]:
    """The new text of a reply and the quoted history below it (None if there is none)."""
    if not text.strip():
        return "", None
    try:
        reply = (replies or _REPLIES).parse_reply(text=text).strip()
    except Exception:  # the reply parser is a heuristic; a failure keeps the whole text
        return text, None
    if not reply or reply == text.strip():
        return text.strip(), None
    return reply, text.strip()


def automatic(headers: dict[str, str], content_type: str) -> str | None:
    """Why a message was sent by a machine (RFC 3834 and the common conventions), or
    None; ``headers`` are its raw headers by lower-cased name (``_raw_headers``)."""
    auto_submitted = headers.get("auto-submitted", "").strip().lower()
    if auto_submitted and not auto_submitted.startswith("no"):
        return f"auto-submitted: {auto_submitted[:40]}"
    precedence = headers.get("precedence", "").strip().lower()
    if precedence in ("bulk", "junk", "list", "auto_reply"):
        return f"precedence: {precedence}"
    for name in ("x-autoreply", "x-autorespond"):
        if name in headers:
            return name
    suppress = headers.get("x-auto-response-suppress", "").lower()
    if any(word in suppress for word in ("all", "oof", "autoreply")):
        return "x-auto-response-suppress"
    if "list-id" in headers or "list-unsubscribe" in headers:
        return "mailing list"
    if content_type == "multipart/report":
        return "delivery report"
    return None


def _raw_headers(msg: Message) -> dict[str, str]:
    """The first value of each header, unparsed and unfolded, by lower-cased name."""
    found: dict[str, str] = {}
    for name, value in msg.raw_items():  # type: ignore[attr-defined]
        found.setdefault(name.lower(), str(value).replace("\r", "").replace("\n", " "))
    return found


def _header(msg: Message, name: str, defects: list[str]) -> str:
    try:
        value = msg.get(name)
    except Exception as exc:  # a header policy.default cannot parse
        defects.append(f"{name}: {type(exc).__name__}")
        raw = msg.get_all(name, failobj=[])
        return str(raw[0]) if raw else ""
    return str(value) if value is not None else ""


def _sender(msg: Message, defects: list[str]) -> tuple[str | None, str | None]:
    raw = _header(msg, "From", defects)
    found = [(name, addr) for name, addr in getaddresses([raw]) if "@" in addr]
    if not found:
        return None, None
    name, address = found[0]
    return (name.strip() or None), address.strip()


def _decoded(part: Message, defects: list[str]) -> str:
    try:
        content = part.get_content()  # type: ignore[attr-defined]
    except (LookupError, UnicodeError, ValueError, AssertionError, KeyError) as exc:
        defects.append(f"{part.get_content_type()}: {type(exc).__name__}")
        payload = part.get_payload(decode=True)
        content = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else ""
    if isinstance(content, bytes):
        return content.decode("utf-8", "replace")
    return content if isinstance(content, str) else ""


def _body(
    msg: EmailMessage, content_type: str, defects: list[str]
) -> tuple[str, str | None, list[Attachment]]:
    """The text to show, the HTML (if any) and the attachments, from ``msg``."""
    plain: Message | None = None
    html: Message | None = None
    if content_type == "text/plain" and not msg.is_attachment():
        # Most mail: one text part (the fast path skips get_body's header parsing).
        text = _decoded(msg, defects)
        return text.replace("\r\n", "\n")[:MAX_TEXT_CHARS], None, []
    try:
        plain = msg.get_body(preferencelist=("plain",))
        html = msg.get_body(preferencelist=("html",))
    except Exception as exc:
        defects.append(f"body: {type(exc).__name__}")
    html_text = _decoded(html, defects) if html is not None else None
    if plain is not None:
        text = _decoded(plain, defects)
    elif html_text is not None:
        text = html_to_text(html_text)
    else:
        text = ""
    attachments: list[Attachment] = []
    body_parts = {id(plain), id(html)}
    try:
        parts: list[Message] = list(msg.iter_attachments()) if msg.is_multipart() else []
    except Exception as exc:
        defects.append(f"attachments: {type(exc).__name__}")
        parts = []
    for part in _walk_attachments(parts):
        if id(part) in body_parts or part.get_content_type() == "message/delivery-status":
            continue
        attachments.append(_attachment(part, len(attachments), defects))
    return text.replace("\r\n", "\n")[:MAX_TEXT_CHARS], html_text, attachments


def _walk_attachments(parts: list[Message]) -> list[Message]:
    """Attachments, descending into nested multiparts (not into attached messages)."""
    result: list[Message] = []
    for part in parts:
        if part.is_multipart() and part.get_content_maintype() == "multipart":
            result.extend(_walk_attachments(list(part.iter_parts())))  # type: ignore[attr-defined]
        else:
            result.append(part)
    return result


def _attachment(part: Message, index: int, defects: list[str]) -> Attachment:
    content_type = part.get_content_type()
    try:
        filename = part.get_filename()
    except Exception:
        filename = None
    if part.get_content_maintype() == "message":
        data = part.as_bytes() if not part.is_multipart() else _inner_bytes(part)
    else:
        payload = part.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
    if not filename:
        extension = ".eml" if content_type == "message/rfc822" else ""
        filename = f"attachment-{index + 1}{extension}"
    return Attachment(filename.replace("/", "_").replace("\\", "_")[:200], content_type, data)


def _inner_bytes(part: Message) -> bytes:
    inner = part.get_payload()
    if isinstance(inner, list) and inner and isinstance(inner[0], Message):
        return inner[0].as_bytes(policy=policy.SMTP)
    return b""


def _bounce(msg: Message, headers: dict[str, str]) -> Bounce | None:
    """An RFC 3464 report of a failed delivery (``Action: failed``), else None."""
    if str(msg.get_param("report-type", "") or "").lower() != "delivery-status":
        return None
    status = diagnostic = recipient = None
    failed = False
    originals: list[str] = []
    for part in msg.walk():
        kind = part.get_content_type()
        if kind == "message/delivery-status":
            for block in part.get_payload():
                if not isinstance(block, Message):
                    continue
                if str(block.get("Action", "")).strip().lower() == "failed":
                    failed = True
                    status = str(block.get("Status", "") or "").strip() or status
                    diagnostic = str(block.get("Diagnostic-Code", "") or "").strip() or diagnostic
                    recipient = str(block.get("Final-Recipient", "") or "").strip() or recipient
        elif kind in ("message/rfc822", "text/rfc822-headers"):
            originals.extend(_original_ids(part))
    if not failed:
        return None
    originals.extend(message_ids(headers.get("in-reply-to")))
    if recipient and ";" in recipient:
        recipient = recipient.split(";", 1)[1].strip()
    return Bounce(tuple(dict.fromkeys(originals)), status, diagnostic, recipient)


def _original_ids(part: Message) -> list[str]:
    if part.get_content_type() == "text/rfc822-headers":
        payload = part.get_payload(decode=True)
        text = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else ""
        headers = _PARSER.parsebytes(text.encode(), headersonly=True)
        return list(message_ids(str(headers.get("Message-ID", "") or "")))
    inner = part.get_payload()
    if isinstance(inner, list) and inner and isinstance(inner[0], Message):
        return list(message_ids(str(inner[0].get("Message-ID", "") or "")))
    return []
