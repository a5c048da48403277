"""The inbox page and its JSON feed (the console script refreshes rows live)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from hub.models.thread import THREAD_STATUSES
from hub.queries.inbox import VIEWS, InboxFilter, InboxRow, inbox_rows
from hub.serializers import iso
from hub.web.console.auth import console_view, current_agent, hub_of, page_session
from hub.web.console.render import ago, render


async def _rows(request: Request) -> tuple[InboxFilter, list[InboxRow]]:
    """Read in the session that checked the agent (``console_view(read=True)``)."""
    filters = InboxFilter.parse(dict(request.query_params))
    rows = await inbox_rows(
        page_session(request),
        current_agent(request).id,
        filters,
        region=hub_of(request).settings.default_region,
    )
    return filters, rows


@console_view(read=True)
async def inbox_page(request: Request) -> Response:
    hub = hub_of(request)
    filters, rows = await _rows(request)
    return render(
        request,
        "inbox.html",
        {
            "filters": filters,
            "rows": rows,
            "views": VIEWS,
            "statuses": THREAD_STATUSES,
            "channel_names": sorted(hub.connectors),
        },
    )


def row_json(row: InboxRow, now: datetime) -> dict[str, Any]:
    thread = row.thread
    return {
        "customer_id": row.customer.id,
        "name": row.customer.name,
        "channels": row.channels,
        "status": thread.status,
        "assignee": row.assignee,
        "last_message": thread.last_message_preview,
        "last_channel": thread.last_channel,
        "last_activity_at": iso(thread.last_activity_at),
        "waiting": ago(thread.waiting_since, now),
        "unread": thread.unread_count,
    }


@console_view(read=True)
async def inbox_json(request: Request) -> Response:
    """``{"items": [row…]}`` for the same query string as the inbox page."""
    _, rows = await _rows(request)
    now = datetime.now(UTC)
    return JSONResponse({"items": [row_json(r, now) for r in rows]})
