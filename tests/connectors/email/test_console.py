"""The thread page shows an email's subject, its attachments by name (kept or not)
and its quoted history on demand, and offers email replies to a customer with an
address."""

from __future__ import annotations

import re
from typing import Any

import httpx
from sqlalchemy import select

from hub.models import Event
from tests.connectors.email.support import email_connector, mail, smtp_send
from tests.hub.web.console.conftest import make_agent, sign_in


async def test_thread_page_shows_subject_quoted_text_and_attachments(
    app: Any, client: httpx.AsyncClient
) -> None:
    hub = app.state.hub
    connector = email_connector(hub)
    connector.attachments.max_bytes = 1000
    receiver = connector.receiver
    assert receiver is not None
    body = "Here is the label.\n\nOn Monday, Shop wrote:\n> Please send the label\n"
    await smtp_send(
        receiver.address,
        mail(
            subject="Return <RMA-7>",
            body=body,
            attachments=[
                ("label.pdf", "application/pdf", b"%PDF-1.4 label"),
                ("video.mp4", "video/mp4", b"\0" * 5000),
            ],
        ),
    )
    async with hub.read() as session:
        event = (await session.execute(select(Event))).scalar_one()
    agent = await make_agent(hub, "agent@shop.example")
    assert (await sign_in(client, agent.email)).status_code == 303

    page = (await client.get(f"/customers/{event.customer_id}")).text
    assert '<p class="subject" data-subject>Return &lt;RMA-7&gt;</p>' in page
    assert '<p class="body">Here is the label.</p>' in page
    assert "<summary>Show quoted text</summary>" in page
    assert "&gt; Please send the label" in page
    assert re.search(
        r'<a href="http://testserver/email/attachments/[0-9a-f]{64}\?name=label.pdf"', page
    )
    assert re.search(r"<span>video.mp4</span> <span class=\"muted\">4 KB</span>", page)
    assert "larger than the" in page
    # Email is offered in the reply box (the customer has an address, SMTP is set up).
    assert re.search(r'<option value="email"[^>]*>Email</option>', page)


async def test_html_mail_is_offered_formatted_in_a_sandboxed_frame(
    app: Any, client: httpx.AsyncClient
) -> None:
    hub = app.state.hub
    receiver = email_connector(hub).receiver
    assert receiver is not None
    html = '<p>Hi <b>there</b></p><script>alert(1)</script><img src=x onerror="alert(2)">'
    await smtp_send(receiver.address, mail(body="Hi there", html=html))
    async with hub.read() as session:
        event = (await session.execute(select(Event))).scalar_one()
    agent = await make_agent(hub, "agent@shop.example")
    assert (await sign_in(client, agent.email)).status_code == 303
    page = (await client.get(f"/customers/{event.customer_id}")).text
    frame = re.search(r'<iframe sandbox="" srcdoc="([^"]*)"', page)
    assert frame is not None
    assert "&lt;b&gt;there&lt;/b&gt;" in frame.group(1)
    assert "script" not in frame.group(1) and "onerror" not in frame.group(1)
