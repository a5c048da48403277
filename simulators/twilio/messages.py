"""The Messages resource: create, fetch and list, with status callbacks.

Create accepts what the ``twilio`` client sends (To, From or MessagingServiceSid,
Body, MediaUrl..., StatusCallback), records the message as ``queued`` and answers
201 with Twilio's JSON. If a StatusCallback was given it then posts ``sent`` and
``delivered`` (or the outcome set with ``set_outcome``), signed like Twilio's.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from simulators.twilio.core import API_VERSION, new_sid, twilio_error
from simulators.twilio.resource import ACCOUNT_PATH, Resource
from simulators.twilio.whatsapp import WhatsappResource, is_whatsapp

MAX_BODY = 1600
MAX_MEDIA = 10
DEFAULT_PAGE_SIZE = 50


@dataclass
class SentMessage:
    """One message the simulator accepted, as Twilio would hold it."""

    sid: str
    account_sid: str
    to: str
    from_: str
    body: str
    media_urls: list[str]
    status_callback: str | None
    status: str = "queued"
    error_code: int | None = None
    # WhatsApp: the template sent, and the callbacks planned (simulators.twilio.whatsapp).
    content_sid: str | None = None
    content_variables: dict[str, str] = field(default_factory=dict)
    planned: list[tuple[str, int | None]] | None = None
    created_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    updated_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    sent_at: datetime | None = None

    def to_json(self) -> dict[str, Any]:
        uri = f"/{API_VERSION}/Accounts/{self.account_sid}/Messages/{self.sid}.json"
        return {
            "account_sid": self.account_sid,
            "api_version": API_VERSION,
            "body": self.body,
            "date_created": format_datetime(self.created_at, usegmt=True),
            "date_sent": format_datetime(self.sent_at, usegmt=True) if self.sent_at else None,
            "date_updated": format_datetime(self.updated_at, usegmt=True),
            "direction": "outbound-api",
            "error_code": self.error_code,
            "error_message": None,
            "from": self.from_,
            "messaging_service_sid": None,
            "num_media": str(len(self.media_urls)),
            "num_segments": str(max(1, -(-len(self.body) // 153))),
            "price": None,
            "price_unit": "USD",
            "sid": self.sid,
            "status": self.status,
            "subresource_uris": {"media": uri.replace(".json", "/Media.json")},
            "to": self.to,
            "uri": uri,
        }


class MessagesResource(Resource):
    """``/2010-04-01/Accounts/{Sid}/Messages.json`` and ``/Messages/{Sid}.json``."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.sent: list[SentMessage] = []
        # To-number -> (final status, error code) instead of "delivered".
        self.outcomes: dict[str, tuple[str, int | None]] = {}

    def routes(self) -> Sequence[BaseRoute]:
        return [
            Route(f"{ACCOUNT_PATH}/Messages.json", self.create, methods=["POST"]),
            Route(f"{ACCOUNT_PATH}/Messages.json", self.list, methods=["GET"]),
            Route(f"{ACCOUNT_PATH}/Messages/{{sid}}.json", self.fetch, methods=["GET"]),
        ]

    def set_outcome(self, to: str, status: str, error_code: int | None = None) -> None:
        """Messages to ``to`` end ``status`` (e.g. "undelivered", 30003)."""
        self.outcomes[to] = (status, error_code)

    def validate(self, form: FormData) -> tuple[int, str] | None:
        whatsapp = self._whatsapp(str(form.get("To", "")))
        return _invalid(form) or (whatsapp.validate_send(form) if whatsapp else None)

    def _whatsapp(self, to: str) -> WhatsappResource | None:
        """The account's WhatsApp rules for a ``whatsapp:`` address (when served)."""
        found = self.sim.resources.get(WhatsappResource) if is_whatsapp(to) else None
        return found if isinstance(found, WhatsappResource) else None

    def find(self, sid: str) -> SentMessage | None:
        return next((m for m in self.sent if m.sid == sid), None)

    # -- handlers ------------------------------------------------------------------

    async def list(self, request: Request) -> Response:
        """Newest first, filtered by To/From, one page of PageSize (default 50)."""
        account_sid = request.path_params["account_sid"]
        if (denied := self.sim.authorize(request, account_sid)) is not None:
            return denied
        query = request.query_params
        found = [
            m
            for m in reversed(self.sent)
            if query.get("To") in (None, m.to) and query.get("From") in (None, m.from_)
        ]
        try:
            page_size = max(1, min(1000, int(query.get("PageSize", DEFAULT_PAGE_SIZE))))
        except ValueError:
            return twilio_error(400, 20001, "PageSize must be an integer")
        uri = f"/{API_VERSION}/Accounts/{account_sid}/Messages.json"
        page = found[:page_size]
        return JSONResponse(
            {
                "messages": [m.to_json() for m in page],
                "first_page_uri": f"{uri}?PageSize={page_size}&Page=0",
                "next_page_uri": None,
                "previous_page_uri": None,
                "page": 0,
                "page_size": page_size,
                "start": 0,
                "end": max(0, len(page) - 1),
                "uri": f"{uri}?PageSize={page_size}&Page=0",
            }
        )

    # -- effects -------------------------------------------------------------------

    def accept(self, account_sid: str, form: FormData) -> SentMessage:
        message = SentMessage(
            sid=new_sid("SM"),
            account_sid=account_sid,
            to=str(form.get("To", "")),
            from_=str(form.get("From") or form.get("MessagingServiceSid") or ""),
            body=str(form.get("Body", "")),
            media_urls=[str(v) for v in form.getlist("MediaUrl")],
            status_callback=str(form["StatusCallback"]) if form.get("StatusCallback") else None,
        )
        if (whatsapp := self._whatsapp(message.to)) is not None:
            whatsapp.prepare(message, form)
        self.sent.append(message)
        if message.status_callback:
            self.sim.background(self._deliver(message))
        return message

    async def _deliver(self, message: SentMessage) -> None:
        final, error_code = self.outcomes.get(message.to, ("delivered", None))
        steps = (
            [("sent", None), (final, error_code)] if final != "failed" else [(final, error_code)]
        )
        if message.planned is not None and message.to not in self.outcomes:
            steps = message.planned
        for status, code in steps:
            await asyncio.sleep(self.sim.callback_delay)
            message.status = status
            message.error_code = code
            message.updated_at = datetime.now(UTC)
            if status == "sent":
                message.sent_at = message.updated_at
            assert message.status_callback is not None
            await self.sim.post_webhook(message.status_callback, _callback_params(message))


def _invalid(form: FormData) -> tuple[int, str] | None:
    """Twilio's 400 for a create it would refuse, as (code, message)."""
    if not form.get("To"):
        return 21604, "A 'To' phone number is required."
    if not (form.get("From") or form.get("MessagingServiceSid")):
        return 21603, "A 'From' phone number is required."
    if not (form.get("Body") or form.get("MediaUrl") or form.get("ContentSid")):
        return 21602, "Message body is required."
    if len(str(form.get("Body", ""))) > MAX_BODY:
        return 21617, "The concatenated message body exceeds the 1600 character limit."
    if len(form.getlist("MediaUrl")) > MAX_MEDIA:
        return 21623, "Number of media files exceeds allowed limit."
    return None


def _callback_params(message: SentMessage) -> dict[str, str]:
    """The form Twilio posts to a message's StatusCallback."""
    params = {
        "AccountSid": message.account_sid,
        "ApiVersion": API_VERSION,
        "From": message.from_,
        "MessageSid": message.sid,
        "MessageStatus": message.status,
        "SmsSid": message.sid,
        "SmsStatus": message.status,
        "To": message.to,
    }
    if message.error_code is not None:
        params["ErrorCode"] = str(message.error_code)
    return params
