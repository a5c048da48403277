"""The simulator's WhatsApp: Content API listing, template checks, the 24-hour window
and read receipts, through its HTTP API in-process (no callbacks are posted here)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import httpx

from simulators.twilio import create_simulator_app
from simulators.twilio.content import ContentResource
from simulators.twilio.core import Simulator
from simulators.twilio.messages import MessagesResource
from simulators.twilio.whatsapp import WhatsappResource
from tests.conftest import TWILIO_TEST_SID, TWILIO_TEST_TOKEN

MESSAGES = f"/2010-04-01/Accounts/{TWILIO_TEST_SID}/Messages.json"
AUTH = (TWILIO_TEST_SID, TWILIO_TEST_TOKEN)
USER = "whatsapp:+15551230000"
SENDER = "whatsapp:+15550003333"


def simulator() -> tuple[Simulator, httpx.AsyncClient]:
    app = create_simulator_app(TWILIO_TEST_SID, TWILIO_TEST_TOKEN)
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://sim")
    return app.state.simulator, client


async def test_content_api_lists_templates_with_their_approval() -> None:
    sim, client = simulator()
    async with client:
        assert (await client.get("/v1/ContentAndApprovals")).status_code == 401
        page = (await client.get("/v1/ContentAndApprovals", auth=AUTH)).json()
    assert page["meta"]["key"] == "contents"
    statuses = {c["friendly_name"]: c["approval_requests"]["status"] for c in page["contents"]}
    assert statuses == {
        "order_ready": "approved",
        "follow_up": "approved",
        "spring_sale": "pending",
    }
    assert sim.resource(ContentResource).list_requests == 1


async def test_templates_must_be_approved_and_fill_the_body() -> None:
    sim, client = simulator()
    content = sim.resource(ContentResource)
    ready = next(t for t in content.templates.values() if t.name == "order_ready")
    pending = next(t for t in content.templates.values() if t.name == "spring_sale")
    base = {"To": USER, "From": SENDER}
    async with client:
        refused = await client.post(MESSAGES, data={**base, "ContentSid": pending.sid}, auth=AUTH)
        sent = await client.post(
            MESSAGES,
            data={
                **base,
                "ContentSid": ready.sid,
                "ContentVariables": json.dumps({"1": "Ann", "2": "A-1"}),
            },
            auth=AUTH,
        )
    assert (refused.status_code, refused.json()["code"]) == (400, 21655)
    assert sent.status_code == 201
    assert sent.json()["body"] == "Hi Ann, your order A-1 is ready for pickup."
    [message] = sim.resource(MessagesResource).sent
    # Templates go out whatever the window; WhatsApp reports read after delivered.
    assert message.planned == [("sent", None), ("delivered", None), ("read", None)]


async def test_free_form_text_outside_the_window_is_accepted_then_fails_63016() -> None:
    sim, client = simulator()
    whatsapp = sim.resource(WhatsappResource)
    whatsapp.customer_wrote("+15551230000", datetime.now(UTC) - timedelta(hours=25))
    async with client:
        late = await client.post(
            MESSAGES, data={"To": USER, "From": SENDER, "Body": "Hi"}, auth=AUTH
        )
        whatsapp.customer_wrote(USER)
        whatsapp.read_receipts = False
        fresh = await client.post(
            MESSAGES, data={"To": USER, "From": SENDER, "Body": "Hi"}, auth=AUTH
        )
        sms = await client.post(
            MESSAGES, data={"To": "+15551230000", "From": "+15550001111", "Body": "Hi"}, auth=AUTH
        )
    assert (late.status_code, fresh.status_code, sms.status_code) == (201, 201, 201)
    late_message, fresh_message, sms_message = sim.resource(MessagesResource).sent
    assert late_message.planned == [("failed", 63016)]
    assert fresh_message.planned == [("sent", None), ("delivered", None)]
    assert sms_message.planned is None  # SMS keeps its own sent → delivered
