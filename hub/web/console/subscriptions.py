"""The outbound-webhooks admin page: register, rotate, (de)activate, delete, and the
delivery log with each attempt and a "Redeliver" button.

An endpoint's secret is shown once, in the answer to the form that created it or
rotated it. A URL the SSRF guard refuses (``hub.subscriptions.targets``) comes back as the
form's error message, with what the admin typed kept.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from hub.actions.subscriptions import (
    create_webhook,
    delete_webhook,
    redeliver_webhook,
    rotate_webhook_secret,
    update_webhook,
)
from hub.models.subscriptions import PENDING, WEBHOOK_EVENTS
from hub.queries.subscriptions import delivery_attempts, list_deliveries, list_endpoints
from hub.web.console.auth import actor, console_view
from hub.web.console.forms import act, field
from hub.web.console.sections import Section

LOG_SIZE = 50


async def _webhooks(db: AsyncSession) -> dict[str, Any]:
    endpoints = await list_endpoints(db)
    deliveries = await list_deliveries(db, limit=LOG_SIZE)
    attempts = await delivery_attempts(db, [d.id for d in deliveries])
    return {
        "endpoints": endpoints,
        "urls": {e.id: e.url for e in endpoints},
        "deliveries": deliveries,
        "attempts": attempts,
        "event_names": WEBHOOK_EVENTS,
        "pending": PENDING,
        "draft": {"url": "", "description": "", "events": []},
    }


WEBHOOKS = Section("webhooks", "/admin/webhooks", _webhooks, template="subscriptions")
subscriptions_page = WEBHOOKS.view()


def _events(form: FormData) -> list[str]:
    return [e for e in form.getlist("events") if isinstance(e, str)]


def _draft(request: Request, form: FormData) -> dict[str, Any]:
    """What the admin typed, kept for the page shown again."""
    return {
        "url": field(form, "url"),
        "description": field(form, "description"),
        "events": _events(form),
    }


@console_view(admin=True, refused=WEBHOOKS.again(keep=_draft))
async def subscriptions_create(request: Request) -> Response:
    form = await request.form()
    url, description = field(form, "url"), field(form, "description")
    endpoint, secret = await act(
        request, create_webhook, url, _events(form), description=description, actor=actor(request)
    )
    return await WEBHOOKS.with_secret(request, secret, endpoint.url)


@console_view(admin=True, refused=WEBHOOKS.again())
async def subscriptions_rotate(request: Request) -> Response:
    endpoint_id: int = request.path_params["endpoint_id"]
    secret = await act(request, rotate_webhook_secret, endpoint_id, actor=actor(request))
    return await WEBHOOKS.with_secret(request, secret, f"webhook #{endpoint_id}")


@console_view(admin=True, refused=WEBHOOKS.again())
async def subscriptions_active(request: Request) -> Response:
    """Deactivate (no new deliveries) or re-activate an endpoint."""
    active = field(await request.form(), "active") == "1"
    endpoint_id = request.path_params["endpoint_id"]
    await act(request, update_webhook, endpoint_id, active=active, actor=actor(request))
    return WEBHOOKS.back(request)


@console_view(admin=True, refused=WEBHOOKS.again())
async def subscriptions_delete(request: Request) -> Response:
    endpoint_id = request.path_params["endpoint_id"]
    await act(request, delete_webhook, endpoint_id, actor=actor(request))
    return WEBHOOKS.back(request)


@console_view(admin=True, refused=WEBHOOKS.again())
async def subscriptions_redeliver(request: Request) -> Response:
    delivery_id = request.path_params["delivery_id"]
    await act(request, redeliver_webhook, delivery_id, actor=actor(request))
    return WEBHOOKS.back(request, "Delivery queued again.")
