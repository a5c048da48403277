"""The Content API (``content.twilio.com/v1``): message templates and their WhatsApp
approval, as the hub's ``twilio`` client lists them.

Serves ``GET /v1/Content``, ``GET /v1/Content/{Sid}`` and
``GET /v1/ContentAndApprovals`` (paged like Twilio's: ``contents`` + ``meta``). The
simulator starts with a few demo templates (``DEMO_TEMPLATES``); tests add their own
with ``add``. ``render`` fills a template's ``{{n}}`` as WhatsApp would.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from simulators.twilio.core import new_sid, twilio_error
from simulators.twilio.resource import Resource

BASE = "https://content.twilio.com/v1"
DEFAULT_PAGE_SIZE = 50
_PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z0-9_]+)\s*\}\}")


@dataclass
class Template:
    """One Content API item: text with ``{{n}}``, sample values, WhatsApp approval."""

    sid: str
    name: str
    body: str
    status: str = "approved"  # WhatsApp approval: approved, pending, rejected, unsubmitted
    category: str = "UTILITY"
    language: str = "en"
    variables: dict[str, str] = field(default_factory=dict)
    created_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    def render(self, values: Mapping[str, str]) -> str:
        return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), self.body)

    def content_json(self, account_sid: str) -> dict[str, Any]:
        created = self.created_at.strftime("%Y-%m-%dT%H:%M:%SZ")
        return {
            "sid": self.sid,
            "account_sid": account_sid,
            "friendly_name": self.name,
            "language": self.language,
            "variables": dict(self.variables),
            "types": {"twilio/text": {"body": self.body}},
            "url": f"{BASE}/Content/{self.sid}",
            "date_created": created,
            "date_updated": created,
            "links": {"approval_fetch": f"{BASE}/Content/{self.sid}/ApprovalRequests"},
        }

    def approval_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "category": self.category,
            "content_type": "twilio/text",
            "status": self.status,
            "rejection_reason": "",
            "allow_category_change": True,
        }


# What a fresh simulator holds: two approved utility templates and one still in review.
DEMO_TEMPLATES = (
    ("order_ready", "Hi {{1}}, your order {{2}} is ready for pickup.", "approved"),
    ("follow_up", "Hi {{1}}, we have an update on your request. Reply to continue.", "approved"),
    ("spring_sale", "Our spring sale starts today!", "pending"),
)


class ContentResource(Resource):
    """``/v1/Content`` and ``/v1/ContentAndApprovals`` of the simulated account."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.templates: dict[str, Template] = {}
        for name, body, status in DEMO_TEMPLATES:
            self.add(name, body, status=status)
        # How many times the template list was read (tests check the hub caches it).
        self.list_requests = 0

    def routes(self) -> Sequence[BaseRoute]:
        return [
            Route("/v1/Content", self.list_content, methods=["GET"]),
            Route("/v1/Content/{sid}", self.fetch_content, methods=["GET"]),
            Route("/v1/ContentAndApprovals", self.list_with_approvals, methods=["GET"]),
        ]

    def add(
        self, name: str, body: str, *, status: str = "approved", sid: str | None = None
    ) -> Template:
        """A new template (sample values ``{{n}}`` → ``"n"``); returns it."""
        names = dict.fromkeys(_PLACEHOLDER.findall(body))
        template = Template(
            sid=sid or new_sid("HX"),
            name=name,
            body=body,
            status=status,
            variables={n: f"sample {n}" for n in names},
        )
        self.templates[template.sid] = template
        return template

    def approved(self, sid: str) -> Template | None:
        """The template ``sid`` if WhatsApp approved it."""
        template = self.templates.get(sid)
        return template if template is not None and template.status == "approved" else None

    async def list_content(self, request: Request) -> Response:
        return self._page(request, "Content", lambda t: t.content_json(self.sim.account_sid))

    async def list_with_approvals(self, request: Request) -> Response:
        if (denied := self.sim.authorize(request, self.sim.account_sid)) is not None:
            return denied
        self.list_requests += 1

        def item(t: Template) -> dict[str, Any]:
            return {**t.content_json(self.sim.account_sid), "approval_requests": t.approval_json()}

        return self._page(request, "ContentAndApprovals", item)

    async def fetch_content(self, request: Request) -> Response:
        if (denied := self.sim.authorize(request, self.sim.account_sid)) is not None:
            return denied
        template = self.templates.get(request.path_params["sid"])
        if template is None:
            return twilio_error(404, 20404, "The requested resource was not found")
        return JSONResponse(template.content_json(self.sim.account_sid))

    def _page(self, request: Request, path: str, shape: Any) -> Response:
        if (denied := self.sim.authorize(request, self.sim.account_sid)) is not None:
            return denied
        try:
            size = max(1, min(1000, int(request.query_params.get("PageSize", DEFAULT_PAGE_SIZE))))
        except ValueError:
            return twilio_error(400, 20001, "PageSize must be an integer")
        items = sorted(self.templates.values(), key=lambda t: t.created_at)[:size]
        url = f"{BASE}/{path}?PageSize={size}&Page=0"
        return JSONResponse(
            {
                "contents": [shape(t) for t in items],
                "meta": {
                    "page": 0,
                    "page_size": size,
                    "first_page_url": url,
                    "previous_page_url": None,
                    "url": url,
                    "next_page_url": None,
                    "key": "contents",
                },
            }
        )
