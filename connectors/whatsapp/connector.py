"""The WhatsApp channel: Twilio's WhatsApp webhooks in, its Messages API out."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from starlette.datastructures import FormData
from starlette.responses import Response
from starlette.routing import Route

from connectors.base import Connector
from connectors.twilio.checks import credential_problems, number_problems
from connectors.whatsapp.callbacks import WhatsappCallbacks
from connectors.whatsapp.parse import CHANNEL, PHONE
from connectors.whatsapp.sender import WhatsappSender
from connectors.whatsapp.settings import WhatsappSettings
from connectors.whatsapp.templates import TemplateCatalog, check_variables
from connectors.whatsapp.window import window_of
from hub.checks import Problem
from hub.errors import Invalid, Unreachable
from hub.port import HubPort
from hub.settings import Settings
from hub.types import Outbound, Recipient, ReplyOptions, SendResult, TemplateOption

if TYPE_CHECKING:
    from hub.core import UnitOfWork


class WhatsappConnector(Connector):
    """Customers write to the hub's WhatsApp sender; agents answer on WhatsApp.

    Routes: ``POST /twilio/whatsapp`` (incoming) and ``POST /twilio/whatsapp/status``
    (sent / delivered / read). The number is the customer's phone identity, so SMS,
    calls and WhatsApp from one number share a thread. Free-form replies go out only
    inside the 24-hour window; outside it an approved template (``data["template"]``).
    """

    channel = CHANNEL
    reply_kinds = (PHONE,)
    label = "WhatsApp"

    def __init__(self, port: HubPort) -> None:
        super().__init__(port)
        self.settings = WhatsappSettings.from_settings(port.settings)
        self.sender = WhatsappSender(port.settings, self.settings)
        self.callbacks = WhatsappCallbacks(port, self.settings)
        self.templates = TemplateCatalog(self.sender.content, self.settings.content_cache_seconds)

    @classmethod
    async def check(cls, settings: Settings) -> Sequence[Problem]:
        number = WhatsappSettings.from_settings(settings).number
        return [
            *credential_problems(settings),
            *number_problems(settings, "TWILIO_WHATSAPP_NUMBER", number),
            *(
                Problem("TWILIO_CONTENT_CACHE_SECONDS", message, fatal=False)
                for message in WhatsappSettings.problems(settings)
            ),
        ]

    def provider_callbacks(self) -> Sequence[Route]:
        return [
            Route("/twilio/whatsapp", self.callbacks.incoming, methods=["POST"]),
            Route("/twilio/whatsapp/status", self.callbacks.status, methods=["POST"]),
        ]

    async def receive_form(self, form: FormData) -> Response:
        """Store a verified WhatsApp form posted to another Twilio webhook (the SMS one)."""
        return await self.callbacks.receive(form)

    def can_reach(self, kind: str, address: str, *, opted_out: bool = False) -> bool:
        """Any phone number that has not opted out, once a WhatsApp sender is set up
        (whether the window allows free-form text is ``prepare_reply``'s question)."""
        return self.settings.number is not None and kind in self.reply_kinds and not opted_out

    async def shutdown(self) -> None:
        await self.sender.close()

    async def prepare_reply(
        self, uow: UnitOfWork, to: Recipient, body: str, data: dict[str, Any]
    ) -> str:
        """A template (``data["template"]``: ``sid`` of an approved one and its
        ``variables``) is allowed whenever the number opted in (code ``no_opt_in``
        otherwise) and gives the body; free-form text only while
        the number's 24-hour window is open (``Unreachable``, code ``window_closed``,
        saying why, otherwise)."""
        requested = data.get("template")
        if requested is not None:
            if not isinstance(requested, Mapping) or not requested.get("sid"):
                raise Invalid("a template needs the sid of an approved template", code="template")
            if not await self.port.has_opt_in(to.identity_id, CHANNEL, uow=uow):
                raise Unreachable(
                    "The customer has not opted in to WhatsApp messages from the business "
                    "(they never wrote on WhatsApp nor agreed to it), so no template may "
                    "start a conversation; reply on another channel.",
                    code="no_opt_in",
                )
            template = await self.templates.get(str(requested["sid"]))
            if template is None:
                raise Invalid(
                    f"{requested['sid']} is not an approved WhatsApp template", code="template"
                )
            try:
                variables = check_variables(template, requested.get("variables"))
            except ValueError as exc:
                raise Invalid(str(exc), code="template") from exc
            data["template"] = {"sid": template.sid, "name": template.name, "variables": variables}
            return template.render(variables)
        window = await window_of(self.port, to.customer_id, to.identity_id, uow=uow)
        if not window.is_open:
            raise Unreachable(window.explain(), code="window_closed")
        return body

    async def reply_options(
        self, customer_id: int, addresses: Sequence[Recipient]
    ) -> ReplyOptions | None:
        """The window's end while it is open (the reply box counts down); once closed,
        why, and the approved templates if the number opted in."""
        phones = [a for a in addresses if a.kind == PHONE and not a.opted_out]
        if not phones:
            return None
        window = await window_of(self.port, customer_id, None)
        if window.is_open:
            return ReplyOptions(
                free_form=True,
                free_form_until=window.closes_at,
                notice="WhatsApp delivers free-form replies until 24 hours after the "
                "customer's last message; after that only approved templates.",
            )
        opted_in = [p for p in phones if await self.port.has_opt_in(p.identity_id, CHANNEL)]
        if not opted_in:
            return ReplyOptions(
                free_form=False,
                notice=f"{window.last_wrote()} Free-form replies are only delivered within "
                "24 hours of it, and the number has not opted in to WhatsApp messages, so "
                "no template may start a conversation either: reply on another channel.",
            )
        templates = await self.templates.all()
        notice = window.explain()
        if not templates:
            notice += (
                f" No approved template could be read ({self.templates.error})."
                if self.templates.error
                else " No approved template exists yet (Twilio Console → Content Template Builder)."
            )
        return ReplyOptions(
            free_form=False,
            notice=notice,
            templates=tuple(
                TemplateOption(t.sid, t.name, t.body, tuple(t.placeholders), t.language)
                for t in templates
            ),
        )

    async def send(self, message: Outbound) -> SendResult:
        return await self.sender.send(message)

    async def reconcile(self, message: Outbound) -> SendResult | None:
        async def claimed_elsewhere(sid: str) -> bool:
            event = await self.port.find_event(self.channel, sid)
            return event is not None and event.id != message.event_id

        return await self.sender.reconcile(message, claimed_elsewhere)
