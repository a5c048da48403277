"""WhatsApp on the simulated Twilio account.

What Twilio does differently for ``whatsapp:`` addresses, as the Messages resource
asks it (``simulators.twilio.messages``):

- **The 24-hour window.** A free-form message to a user who has not written within
  24 hours is accepted (201) and then fails with error 63016, as Twilio reports it.
  The simulator knows when a user last wrote from the messages it delivered to the
  application (``deliver_inbound``, or ``customer_wrote`` in tests).
- **Templates.** ``ContentSid`` must be a template the Content API resource holds
  with WhatsApp approval (else 400, code 21655); the body is the template filled with
  ``ContentVariables``. Templates go out whatever the window.
- **Read receipts.** Status callbacks go ``sent`` → ``delivered`` → ``read``
  (``read_receipts = False`` stops at delivered, like a user who turned them off).

``POST /_simulator/whatsapp/inbound`` (not a Twilio API; Basic auth as the REST API)
makes a simulated user write: the simulator posts the signed webhook Twilio would to
the given ``Url`` and opens that user's window. ``hub simulate whatsapp`` uses it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from simulators.twilio.content import ContentResource
from simulators.twilio.core import API_VERSION, new_sid, twilio_error
from simulators.twilio.resource import Resource

if TYPE_CHECKING:
    from simulators.twilio.messages import SentMessage

PREFIX = "whatsapp:"
WINDOW = timedelta(hours=24)
OUTSIDE_WINDOW = 63016
INVALID_CONTENT = 21655
INBOUND_PATH = "/_simulator/whatsapp/inbound"


def is_whatsapp(address: str | None) -> bool:
    return (address or "").lower().startswith(PREFIX)


def phone_of(address: str) -> str:
    return address[len(PREFIX) :] if is_whatsapp(address) else address


def inbound_params(
    account_sid: str,
    sender: str,
    to: str,
    body: str,
    *,
    sid: str | None = None,
    media: Sequence[str] = (),
    location: tuple[float, float] | None = None,
    address: str | None = None,
    label: str | None = None,
    button: str | None = None,
    profile_name: str = "Simulated Customer",
) -> dict[str, str]:
    """The form Twilio posts to a WhatsApp sender's incoming-message webhook."""
    sid = sid or new_sid("SM")
    sender = PREFIX + phone_of(sender)
    message_type = "text"
    params = {
        "SmsMessageSid": sid,
        "NumMedia": str(len(media)),
        "ProfileName": profile_name,
        "WaId": phone_of(sender).lstrip("+"),
        "SmsSid": sid,
        "SmsStatus": "received",
        "Body": body,
        "To": PREFIX + phone_of(to),
        "NumSegments": "1",
        "ReferralNumMedia": "0",
        "MessageSid": sid,
        "AccountSid": account_sid,
        "From": sender,
        "ApiVersion": API_VERSION,
    }
    for i, url in enumerate(media):
        params[f"MediaUrl{i}"] = url
        params[f"MediaContentType{i}"] = "image/jpeg"
        message_type = "image"
    if location is not None:
        params["Latitude"], params["Longitude"] = (str(v) for v in location)
        if address:
            params["Address"] = address
        if label:
            params["Label"] = label
        message_type = "location"
    if button:
        params["ButtonText"] = button
        params["ButtonPayload"] = button.lower().replace(" ", "_")
        params["Body"] = body or button
        message_type = "button"
    params["MessageType"] = message_type
    return params


class WhatsappResource(Resource):
    """The WhatsApp rules of the simulated account (see the module docstring)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Customer phone (E.164) -> when they last wrote to any of our senders.
        self.last_inbound: dict[str, datetime] = {}
        self.read_receipts = True

    def routes(self) -> Sequence[BaseRoute]:
        return [Route(INBOUND_PATH, self.inbound, methods=["POST"])]

    def customer_wrote(self, phone: str, at: datetime | None = None) -> None:
        """Open (or move) ``phone``'s window as if it wrote at ``at`` (default now)."""
        self.last_inbound[phone_of(phone)] = at or datetime.now(UTC)

    def window_open(self, phone: str, now: datetime | None = None) -> bool:
        last = self.last_inbound.get(phone_of(phone))
        return last is not None and (now or datetime.now(UTC)) - last < WINDOW

    async def deliver_inbound(self, url: str, params: dict[str, str]) -> int | None:
        """A user writes: their window opens and the signed webhook goes to ``url``."""
        self.customer_wrote(params["From"])
        return await self.sim.post_webhook(url, params)

    async def inbound(self, request: Request) -> Response:
        """``POST /_simulator/whatsapp/inbound`` with ``Url`` (the application's webhook)
        and the message: From, To, Body, MediaUrl (repeatable), Latitude/Longitude/
        Address/Label, ButtonText, MessageSid. Answers ``{"sid", "status"}`` with the
        HTTP status the application gave."""
        if (denied := self.sim.authorize(request, self.sim.account_sid)) is not None:
            return denied
        form = await request.form()
        url, sender = str(form.get("Url") or ""), str(form.get("From") or "")
        if not url or not sender:
            return twilio_error(400, 21201, "Url and From are required")
        location = None
        if form.get("Latitude") and form.get("Longitude"):
            try:
                location = (float(str(form["Latitude"])), float(str(form["Longitude"])))
            except ValueError:
                return twilio_error(400, 21201, "Latitude and Longitude must be numbers")
        params = inbound_params(
            self.sim.account_sid,
            sender,
            str(form.get("To") or ""),
            str(form.get("Body") or ""),
            sid=str(form["MessageSid"]) if form.get("MessageSid") else None,
            media=[str(m) for m in form.getlist("MediaUrl")],
            location=location,
            address=str(form["Address"]) if form.get("Address") else None,
            label=str(form["Label"]) if form.get("Label") else None,
            button=str(form["ButtonText"]) if form.get("ButtonText") else None,
        )
        status = await self.deliver_inbound(url, params)
        return JSONResponse({"sid": params["MessageSid"], "status": status})

    # -- what the Messages resource asks ---------------------------------------------

    def validate_send(self, form: FormData) -> tuple[int, str] | None:
        """Twilio's 400 for a WhatsApp create it refuses outright: an unknown or
        unapproved ``ContentSid``, or ``ContentVariables`` that are not a JSON object."""
        sid = form.get("ContentSid")
        if not sid:
            return None
        if self._content().approved(str(sid)) is None:
            return INVALID_CONTENT, "The ContentSid is Invalid"
        try:
            values = json.loads(str(form.get("ContentVariables") or "{}"))
        except ValueError:
            values = None
        if not isinstance(values, dict):
            return 21656, "The ContentVariables Parameter is invalid"
        return None

    def prepare(self, message: SentMessage, form: FormData) -> None:
        """Fill a template's body, and plan the callbacks: failed 63016 for free-form
        text outside the window, else sent → delivered (→ read)."""
        sid = form.get("ContentSid")
        if sid:
            template = self._content().approved(str(sid))
            assert template is not None  # validate_send checked it
            values = json.loads(str(form.get("ContentVariables") or "{}"))
            message.content_sid = template.sid
            message.content_variables = {str(k): str(v) for k, v in values.items()}
            message.body = template.render(message.content_variables)
        elif not self.window_open(message.to):
            message.planned = [("failed", OUTSIDE_WINDOW)]
            return
        steps: list[tuple[str, int | None]] = [("sent", None), ("delivered", None)]
        if self.read_receipts:
            steps.append(("read", None))
        message.planned = steps

    def _content(self) -> ContentResource:
        return self.sim.resource(ContentResource)
