"""Mail delivered to the built-in SMTP receiver (aiosmtpd on a loopback port) lands in
the sender's thread once, with its reply text, subject, attachments and proof level."""

from __future__ import annotations

from typing import Any

import aiosmtplib
import pytest
from sqlalchemy import select

from hub.actions.threads import set_thread_status
from hub.models import Event, Identity, Thread
from hub.models.customer import ASSERTED, VERIFIED
from tests.connectors.email.support import DkimKey, email_connector, mail, smtp_send

pytestmark = pytest.mark.usefixtures("db_url")


def receiver_address(app: Any) -> tuple[str, int]:
    receiver = email_connector(app.state.hub).receiver
    assert receiver is not None
    return receiver.address


async def email_events(app: Any) -> list[Event]:
    async with app.state.hub.read() as session:
        result = await session.execute(
            select(Event).where(Event.channel == "email").order_by(Event.id)
        )
        return list(result.scalars())


async def identity_of(app: Any, address: str) -> Identity:
    async with app.state.hub.read() as session:
        found = await session.execute(select(Identity).where(Identity.address == address))
        return found.scalar_one()


async def test_a_mail_lands_once_even_when_the_mta_delivers_it_twice(app: Any) -> None:
    message = mail(message_id="<order-1001@customer.example>")
    await smtp_send(receiver_address(app), message)
    await smtp_send(receiver_address(app), message)  # the MTA retried after a lost 250

    (event,) = await email_events(app)
    assert event.provider_id == "order-1001@customer.example"
    assert event.direction == "in"
    assert event.body == "Hi, where is order 1001?"
    assert event.data["subject"] == "Where is my order?"
    assert (await identity_of(app, "ann@customer.example")).verification == ASSERTED


async def test_reply_text_is_separated_from_the_quoted_history(app: Any) -> None:
    body = (
        "Thanks, that works!\n\n"
        "On Mon, 1 Jan 2024 at 10:00, Shop <support@shop.example> wrote:\n"
        "> Your order has shipped.\n> Regards\n"
    )
    await smtp_send(receiver_address(app), mail(body=body))
    (event,) = await email_events(app)
    assert event.body == "Thanks, that works!"
    assert "> Your order has shipped." in event.data["quoted"]


async def test_html_with_scripts_shows_as_text(app: Any) -> None:
    html = (
        "<html><head><script>steal(document.cookie)</script><style>p{}</style></head>"
        "<body><p>Hello <b>team</b>,</p><p>my parcel &amp; invoice are missing.</p>"
        '<img src="x" onerror="alert(1)"><a href="javascript:alert(2)">click</a></body></html>'
    )
    message = mail(body="", html=html)
    message.get_payload()[0].set_content("")  # an empty text part: the HTML is the body
    raw = message.as_bytes().replace(b"Content-Type: text/plain", b"Content-Type: text/x-none")
    await smtp_send(receiver_address(app), raw)
    (event,) = await email_events(app)
    assert "Hello team," in event.body
    assert "my parcel & invoice are missing." in event.body
    for dangerous in ("steal", "script", "onerror", "javascript", "alert"):
        assert dangerous not in event.body
        assert dangerous not in event.data["html"]


async def test_encoded_headers_and_charsets_are_decoded(app: Any) -> None:
    raw = (
        b"From: =?utf-8?q?J=C3=BCrgen_M=C3=BCller?= <jurgen@customer.example>\r\n"
        b"To: support@shop.example\r\n"
        b"Subject: =?iso-8859-1?q?R=FCcksendung?=\r\n"
        b"Message-ID: <latin1@customer.example>\r\n"
        b"MIME-Version: 1.0\r\n"
        b"Content-Type: text/plain; charset=iso-8859-1\r\n"
        b"Content-Transfer-Encoding: 8bit\r\n\r\n"
        b"Gr\xfc\xdfe, ich m\xf6chte zur\xfccksenden.\r\n"
    )
    await smtp_send(receiver_address(app), raw)
    (event,) = await email_events(app)
    assert event.data["subject"] == "Rücksendung"
    assert event.body == "Grüße, ich möchte zurücksenden."
    async with app.state.hub.read() as session:
        identity = (await session.execute(select(Identity))).scalars().one()
        assert identity.address == "jurgen@customer.example"


async def test_dkim_signed_and_aligned_mail_verifies_the_address(
    app: Any, dkim_key: DkimKey
) -> None:
    email_connector(app.state.hub).inbound.dnsfunc = dkim_key.dns
    signed = dkim_key.sign(mail().as_bytes())
    await smtp_send(receiver_address(app), signed)
    assert (await identity_of(app, "ann@customer.example")).verification == VERIFIED


async def test_unsigned_misaligned_or_tampered_mail_stays_asserted(
    app: Any, dkim_key: DkimKey
) -> None:
    email_connector(app.state.hub).inbound.dnsfunc = dkim_key.dns
    address = receiver_address(app)
    await smtp_send(address, mail(sender="bob@customer.example"))
    # A valid signature, but by another domain than From's.
    other = mail(sender="cat@victim.example")
    await smtp_send(address, dkim_key.sign(other.as_bytes(), domain="attacker.example"))
    # Signed by the right domain, then the body was changed on the way.
    tampered = dkim_key.sign(mail(sender="dan@customer.example").as_bytes())
    await smtp_send(address, tampered.replace(b"where is order 1001", b"refund me to IBAN X"))
    for who in ("bob@customer.example", "cat@victim.example", "dan@customer.example"):
        assert (await identity_of(app, who)).verification == ASSERTED


async def test_dmarc_pass_from_the_trusted_mta_verifies_and_a_forged_one_does_not(
    app: Any,
) -> None:
    address = receiver_address(app)
    trusted = (
        "mx.shop.example; dkim=pass header.d=customer.example;"
        " dmarc=pass header.from=customer.example"
    )
    await smtp_send(address, mail(headers={"Authentication-Results": trusted}))
    forged = "evil.example; dmarc=pass header.from=customer.example"
    await smtp_send(
        address, mail(sender="eve@customer.example", headers={"Authentication-Results": forged})
    )
    assert (await identity_of(app, "ann@customer.example")).verification == VERIFIED
    assert (await identity_of(app, "eve@customer.example")).verification == ASSERTED


async def test_a_25_mb_attachment_is_listed_not_kept_and_nothing_else_is_lost(app: Any) -> None:
    address = receiver_address(app)
    big = b"\0" * (25 * 1024 * 1024)
    await smtp_send(
        address,
        mail(
            body="Invoice attached",
            attachments=[("scan.pdf", "application/pdf", big), ("note.txt", "text/plain", b"hi")],
        ),
    )
    await smtp_send(address, mail(body="And one more thing"))
    first, second = await email_events(app)
    assert first.body == "Invoice attached"
    scan, note = first.data["attachments"]
    assert scan["filename"] == "scan.pdf" and scan["size"] == len(big)
    assert "limit" in scan["omitted"] and "url" not in scan
    assert note["size"] == 2 and note["url"].startswith("http://testserver/email/attachments/")
    assert second.body == "And one more thing"


async def test_a_message_over_the_size_limit_is_refused_with_552(app: Any) -> None:
    connector = email_connector(app.state.hub)
    receiver = connector.receiver
    assert receiver is not None
    await receiver.stop()
    receiver.max_bytes = 1024 * 1024
    await receiver.start()
    address = receiver.address
    with pytest.raises(aiosmtplib.SMTPResponseException) as refused:
        await smtp_send(
            address, mail(attachments=[("big.bin", "application/octet-stream", b"x" * 2_000_000)])
        )
    assert refused.value.code == 552
    await smtp_send(address, mail(body="still here"))
    (event,) = await email_events(app)
    assert event.body == "still here"


async def test_malformed_mime_is_stored_with_its_defects_and_nothing_else_is_lost(app: Any) -> None:
    raw = (
        b"From: ann@customer.example\r\nTo: support@shop.example\r\n"
        b"Subject: broken\r\nMessage-ID: <broken@customer.example>\r\n"
        b'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="never-closed"\r\n\r\n'
        b"--never-closed\r\nContent-Type: text/plain; charset=x-unknown-charset\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\n!!!not base64!!!\r\n"
    )
    address = receiver_address(app)
    await smtp_send(address, raw)
    await smtp_send(address, mail(body="second message"))
    first, second = await email_events(app)
    assert first.provider_id == "broken@customer.example"
    assert first.data["defects"]
    assert first.body
    assert second.body == "second message"


async def test_unreadable_mail_keeps_the_original_for_the_agent(app: Any) -> None:
    raw = (
        b"From: ann@customer.example\r\nTo: support@shop.example\r\nSubject: \r\n"
        b"Message-ID: <empty@customer.example>\r\nMIME-Version: 1.0\r\n"
        b"Content-Type: application/x-unknown\r\n\r\n\x00\x01\x02"
    )
    await smtp_send(receiver_address(app), raw)
    (event,) = await email_events(app)
    names = [a["filename"] for a in event.data["attachments"]]
    assert "message.eml" in names or event.body


async def test_an_auto_reply_never_reopens_the_thread(app: Any) -> None:
    hub = app.state.hub
    address = receiver_address(app)
    await smtp_send(address, mail())
    (event,) = await email_events(app)
    async with hub.uow() as uow:
        await set_thread_status(uow, event.customer_id, "resolved")
    await smtp_send(
        address,
        mail(subject="Out of office", body="I am away", headers={"Auto-Submitted": "auto-replied"}),
    )
    _, auto = await email_events(app)
    assert auto.data["auto"].startswith("auto-submitted")
    async with hub.read() as session:
        thread = (await session.execute(select(Thread))).scalar_one()
    assert thread.status == "resolved"


async def test_mail_from_the_hubs_own_address_is_ignored(app: Any) -> None:
    await smtp_send(receiver_address(app), mail(sender="support@shop.example"))
    assert await email_events(app) == []
