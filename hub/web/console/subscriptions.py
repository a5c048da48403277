"""The outbound-webhooks admin page: register, rotate, (de)activate, delete, and the
delivery log with each attempt and a "Redeliver" button.

An endpoint's secret is shown once, in the answer to the form that created it or
rotated it. A URL the SSRF guard refuses (``hub.subscriptions.targets``) comes back as the
form's error message, with what the admin typed kept.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import select
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from hub.actions.subscriptions import (
    create_webhook,
    delete_webhook,
    redeliver_webhook,
    rotate_webhook_secret,
    update_webhook,
)
from hub.models import WebhookAttempt
from hub.models.subscriptions import PENDING, WEBHOOK_EVENTS
from hub.queries.subscriptions import list_deliveries, list_endpoints
from hub.web.console.answers import again
from hub.web.console.auth import console_view, current_agent, hub_of
from hub.web.console.forms import field
from hub.web.console.render import render

LOG_SIZE = 50


def _actor(request: Request) -> str:
    return f"agent:{current_agent(request).id}"


async def _page(
    request: Request, extra: dict[str, Any] | None = None, status: int = 200
) -> Response:
    async with hub_of(request).read() as db:
        endpoints = await list_endpoints(db)
        deliveries = await list_deliveries(db, limit=LOG_SIZE)
        attempts: dict[int, list[WebhookAttempt]] = defaultdict(list)
        if deliveries:
            rows = await db.execute(
                select(WebhookAttempt)
                .where(WebhookAttempt.delivery_id.in_([d.id for d in deliveries]))
                .order_by(WebhookAttempt.delivery_id, WebhookAttempt.number)
            )
            for attempt in rows.scalars():
                attempts[attempt.delivery_id].append(attempt)
    context: dict[str, Any] = {
        "section": "webhooks",
        "endpoints": endpoints,
        "urls": {e.id: e.url for e in endpoints},
        "deliveries": deliveries,
        "attempts": attempts,
        "event_names": WEBHOOK_EVENTS,
        "pending": PENDING,
        "draft": {"url": "", "description": "", "events": []},
    }
    context.update(extra or {})
    return render(request, "admin/subscriptions.html", context, status=status)


def _back() -> Response:
    return RedirectResponse("/admin/webhooks", 303)


def _draft(request: Request, form: FormData) -> dict[str, Any]:
    """What the admin typed, kept for the page shown again."""
    return {
        "url": field(form, "url"),
        "description": field(form, "description"),
        "events": _events(form),
    }


def _events(form: FormData) -> list[str]:
    return [e for e in form.getlist("events") if isinstance(e, str)]


page_again = again(_page)


@console_view(admin=True)
async def subscriptions_page(request: Request) -> Response:
    return await _page(request)


@console_view(admin=True, refused=again(_page, keep=_draft))
async def subscriptions_create(request: Request) -> Response:
    form = await request.form()
    events = _events(form)
    async with hub_of(request).uow() as uow:
        endpoint, secret = await create_webhook(
            uow,
            field(form, "url"),
            events,
            description=field(form, "description"),
            actor=_actor(request),
        )
    return await _page(request, {"secret": secret, "secret_for": endpoint.url})


@console_view(admin=True, refused=page_again)
async def subscriptions_rotate(request: Request) -> Response:
    endpoint_id: int = request.path_params["endpoint_id"]
    async with hub_of(request).uow() as uow:
        secret = await rotate_webhook_secret(uow, endpoint_id, actor=_actor(request))
    return await _page(request, {"secret": secret, "secret_for": f"webhook #{endpoint_id}"})


@console_view(admin=True, refused=page_again)
async def subscriptions_active(request: Request) -> Response:
    """Deactivate (no new deliveries) or re-activate an endpoint."""
    form = await request.form()
    async with hub_of(request).uow() as uow:
        await update_webhook(
            uow,
            request.path_params["endpoint_id"],
            active=field(form, "active") == "1",
            actor=_actor(request),
        )
    return _back()


@console_view(admin=True, refused=page_again)
async def subscriptions_delete(request: Request) -> Response:
    async with hub_of(request).uow() as uow:
        await delete_webhook(uow, request.path_params["endpoint_id"], actor=_actor(request))
    return _back()


@console_view(admin=True, refused=page_again)
async def subscriptions_redeliver(request: Request) -> Response:
    async with hub_of(request).uow() as uow:
        await redeliver_webhook(uow, request.path_params["delivery_id"], actor=_actor(request))
    request.session["flash"] = "Delivery queued again."
    return _back()
