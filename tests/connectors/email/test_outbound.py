"""Replies by email through the outbox to a loopback SMTP server (the mail catcher):
threaded under the customer's mail, sent once under retries and crashes."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select, update

from hub.actions.replies import send_reply
from hub.actions.staff import create_api_token
from hub.actions.verification import start_verification
from hub.core import Hub
from hub.db import utcnow
from hub.models import Event, OutboxJob
from hub.models.outbox import DONE
from hub.queries.outbox import outbound_message
from hub.workers.outbox import OutboxWorker
from simulators.mail.sink import MailSink
from tests.connectors.email.support import SHOP, email_connector, mail, smtp_send
from tests.hub.policies.hours_support import closed_now


async def customer_wrote(app: Any, **kwargs: Any) -> int:
    receiver = email_connector(app.state.hub).receiver
    assert receiver is not None
    await smtp_send(receiver.address, mail(**kwargs))
    async with app.state.hub.read() as session:
        event = (await session.execute(select(Event).where(Event.channel == "email"))).scalars()
        return next(iter(event)).customer_id


async def reply(hub: Hub, customer_id: int, body: str = "It ships today.", **kwargs: Any) -> int:
    async with hub.uow() as uow:
        event = await send_reply(uow, customer_id, body, channel="email", **kwargs)
    return event.id


async def run_due_jobs(hub: Hub) -> int:
    """One outbox pass with every queued job due now (no waiting for backoff)."""
    async with hub.uow() as uow:
        await uow.session.execute(update(OutboxJob).values(next_attempt_at=utcnow()))
    return await OutboxWorker(hub).drain_once()


async def test_a_reply_threads_under_the_customers_mail(app: Any, sink: MailSink) -> None:
    hub = app.state.hub
    customer_id = await customer_wrote(
        app,
        message_id="<q1@customer.example>",
        headers={"References": "<older@shop.example>"},
    )
    event_id = await reply(hub, customer_id, "Hello Ann,\n\nit ships <today> & tomorrow.")
    await run_due_jobs(hub)

    (caught,) = sink.messages
    message = caught.message
    assert caught.rcpt_tos == ("ann@customer.example",)
    assert message["From"] == SHOP
    assert message["Subject"] == "Re: Where is my order?"
    assert message["In-Reply-To"] == "<q1@customer.example>"
    assert message["References"] == "<older@shop.example> <q1@customer.example>"
    assert message["Auto-Submitted"] is None
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert text is not None and "it ships <today> & tomorrow." in text.get_content()
    assert html is not None and "it ships &lt;today&gt; &amp; tomorrow." in html.get_content()
    async with hub.read() as session:
        event = await session.get(Event, event_id)
    assert event is not None and event.status == "sent"
    assert f"<{event.provider_id}>" == message["Message-ID"]


async def test_a_temporary_smtp_failure_is_retried_and_sent_once(app: Any, sink: MailSink) -> None:
    hub = app.state.hub
    customer_id = await customer_wrote(app)
    await reply(hub, customer_id)
    sink.fail_next = 1
    await run_due_jobs(hub)
    assert sink.messages == []
    await run_due_jobs(hub)
    await run_due_jobs(hub)
    assert len(sink.messages) == 1
    async with hub.read() as session:
        job = (await session.execute(select(OutboxJob))).scalar_one()
    assert job.state == DONE


async def test_a_crash_after_the_server_accepted_does_not_send_twice(
    app: Any, sink: MailSink
) -> None:
    hub = app.state.hub
    customer_id = await customer_wrote(app)
    event_id = await reply(hub, customer_id)
    # The first attempt claims the job, the server accepts, then the process dies
    # before the outbox marks the job done: the lease runs out, another worker claims.
    worker = OutboxWorker(hub)
    await worker._claim()
    connector = email_connector(hub)
    async with hub.read() as session:
        outbound = await outbound_message(session, event_id)
    assert outbound is not None
    await connector.send(outbound)
    async with hub.uow() as uow:
        await uow.session.execute(
            update(OutboxJob).values(locked_until=utcnow() - timedelta(seconds=1))
        )
    await run_due_jobs(hub)
    await run_due_jobs(hub)
    assert len(sink.messages) == 1
    async with hub.read() as session:
        job = (await session.execute(select(OutboxJob))).scalar_one()
    assert job.state == DONE and job.attempts == 2


async def test_automatic_mail_carries_auto_submitted(app: Any, sink: MailSink) -> None:
    hub = app.state.hub
    customer_id = await customer_wrote(app)
    await reply(hub, customer_id, "We're closed.", via="auto")
    await run_due_jobs(hub)
    assert sink.messages[0].message["Auto-Submitted"] == "auto-replied"


async def test_one_time_codes_go_out_by_email(app: Any, sink: MailSink) -> None:
    hub = app.state.hub
    customer_id = await customer_wrote(app)
    async with hub.uow() as uow:
        await start_verification(uow, customer_id, "email", "new@customer.example")
    await run_due_jobs(hub)
    (caught,) = sink.messages
    assert caught.rcpt_tos == ("new@customer.example",)
    body = caught.message.get_body(preferencelist=("plain",))
    assert body is not None and "Your verification code is" in body.get_content()


async def test_the_api_sends_email_with_a_subject(app: Any, sink: MailSink, client: Any) -> None:
    hub = app.state.hub
    customer_id = await customer_wrote(app)
    async with hub.uow() as uow:
        _, token = await create_api_token(uow, "tests")
    answer = await client.post(
        f"/api/v1/customers/{customer_id}/messages",
        json={"body": "Your invoice", "channel": "email", "subject": "Invoice 1001"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert answer.status_code == 202, answer.text
    await run_due_jobs(hub)
    assert sink.messages[0].message["Subject"] == "Invoice 1001"


async def test_a_bounce_marks_the_reply_failed(app: Any, sink: MailSink) -> None:
    hub = app.state.hub
    customer_id = await customer_wrote(app)
    event_id = await reply(hub, customer_id)
    await run_due_jobs(hub)
    ours = sink.messages[0].message["Message-ID"]
    dsn = (
        "From: MAILER-DAEMON@customer.example\r\nTo: support@shop.example\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\nMessage-ID: <dsn1@customer.example>\r\n"
        "Auto-Submitted: auto-replied\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="b"\r\n\r\n'
        "--b\r\nContent-Type: text/plain\r\n\r\nYour message could not be delivered.\r\n"
        "--b\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.customer.example\r\n\r\n"
        "Final-Recipient: rfc822; ann@customer.example\r\nAction: failed\r\n"
        "Status: 5.1.1\r\nDiagnostic-Code: smtp; 550 5.1.1 mailbox unknown\r\n\r\n"
        "--b\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        f"From: {SHOP}\r\nMessage-ID: {ours}\r\nSubject: Re: Where is my order?\r\n\r\n"
        "--b--\r\n"
    ).encode()
    receiver = email_connector(hub).receiver
    assert receiver is not None
    await smtp_send(receiver.address, dsn, sender="mailer-daemon@customer.example")
    async with hub.read() as session:
        event = await session.get(Event, event_id)
        count = len((await session.execute(select(Event))).scalars().all())
    assert event is not None and event.status == "failed"
    assert event.error_code == "5.1.1" and "mailbox unknown" in (event.error_message or "")
    assert count == 2  # the customer's mail and our reply; the bounce is no message


async def test_an_auto_reply_loop_does_not_start(app: Any, sink: MailSink) -> None:
    """Closed hours: a person's mail gets the out-of-hours reply (marked
    Auto-Submitted); the customer's auto-responder answering it gets nothing back."""
    hub = app.state.hub
    await closed_now(hub)
    receiver = email_connector(hub).receiver
    assert receiver is not None
    await smtp_send(receiver.address, mail(message_id="<person@customer.example>"))
    await run_due_jobs(hub)
    (ours,) = sink.messages
    assert ours.message["Auto-Submitted"] == "auto-replied"
    assert ours.message["In-Reply-To"] == "<person@customer.example>"

    # The customer's vacation responder answers our auto-reply, twice over time.
    for _ in range(2):
        await smtp_send(
            receiver.address,
            mail(
                subject="Automatic reply: Where is my order?",
                body="I am on holiday until Monday.",
                headers={
                    "Auto-Submitted": "auto-replied",
                    "In-Reply-To": ours.message["Message-ID"],
                },
            ),
        )
        await run_due_jobs(hub)
    assert len(sink.messages) == 1
    async with hub.read() as session:
        outbound = (
            (await session.execute(select(Event).where(Event.direction == "out"))).scalars().all()
        )
    assert len(outbound) == 1


async def test_a_subject_with_line_breaks_stays_one_header(app: Any, sink: MailSink) -> None:
    hub = app.state.hub
    customer_id = await customer_wrote(app)
    await reply(hub, customer_id, data={"subject": "Invoice\r\nBcc: victim@example.com"})
    await run_due_jobs(hub)
    (caught,) = sink.messages
    assert caught.message["Subject"] == "Invoice Bcc: victim@example.com"
    assert caught.message["Bcc"] is None
    assert caught.rcpt_tos == ("ann@customer.example",)
