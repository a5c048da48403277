"""The customer thread page (timeline + context panel + reply box) and its JSON feed."""

from __future__ import annotations

import re

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from hub.actions.customers import get_customer, get_thread
from hub.core import Hub
from hub.errors import NotFound
from hub.models import Identity
from hub.models.thread import RESOLVED
from hub.queries.staff import agent_names
from hub.queries.thread_view import load_thread_view
from hub.queries.timeline import parse_cursor, timeline_page
from hub.types import ReplyOptions
from hub.web.console.auth import console_view, hub_of, page_agents, page_session
from hub.web.console.render import render
from hub.web.console.timeline import entries, event_json, mark_mentions

PAGE_SIZE = 50


def _customer_id(request: Request) -> int:
    raw = request.path_params["customer_id"]
    if not isinstance(raw, int):
        raise NotFound("no such customer")
    return raw


@console_view(read=True, agents=True)
async def thread_page(request: Request) -> Response:
    """One customer's whole history across channels, newest at the bottom.

    Read in the session (and the query) that checked the agent, in two more small
    indexed queries (``hub.queries.thread_view``; ``bench/console.py`` times it against a
    bare page)."""
    hub = hub_of(request)
    customer_id = _customer_id(request)
    session = page_session(request)
    view = await load_thread_view(session, customer_id, PAGE_SIZE)
    if view is None:
        customer = await get_customer(session, customer_id)  # NotFound, or follow the merge
        return RedirectResponse(f"/customers/{customer.id}", 303)
    customer, thread = view.customer, view.thread
    if thread is None:
        thread = await get_thread(session, customer.id)
    panel, events, cursor = view.panel, view.events, view.cursor
    agents = page_agents(request)
    channels = channels_reaching(hub, panel.identities)
    names = {a.id: a.name for a in agents}
    opted_out = opted_out_channels(hub, panel.identities, channels)
    last = thread.last_channel
    options = await reply_options(hub, customer.id, panel.identities, channels)
    rows = entries(list(reversed(events)), names, customer.name or "Customer")
    settings = hub.settings
    mark_mentions(rows, panel.details, settings.default_region, settings.order_number_pattern)
    context = {
        "reply_options": options,
        "customer": customer,
        "thread": thread,
        "panel": panel,
        "entries": rows,
        "cursor": cursor,
        "channels": channels,
        "opted_out_channels": opted_out,
        "default_channel": last if last in channels else (channels[0] if channels else None),
        "labels": channel_labels(hub),
        "agents": agents,
        "assignee": names.get(thread.assignee_id) if thread.assignee_id else None,
        "online": hub.presence(),
        "resolved_status": RESOLVED,
        "assist_url": assist_reply_path(request),
        "commerce": hub.commerce,
    }
    return render(request, "thread.html", context)


def channels_reaching(hub: Hub, identities: list[Identity]) -> list[str]:
    """The channels that can reach one of ``identities`` now: the rule of
    ``hub.actions.replies.reachable_channels``, on identities the panel already read."""
    return [
        name
        for name, connector in hub.connectors.items()
        if any(
            connector.can_reach(i.kind, i.address, opted_out=i.sms_opted_out) for i in identities
        )
    ]


async def reply_options(
    hub: Hub, customer_id: int, identities: list[Identity], channels: list[str]
) -> dict[str, ReplyOptions]:
    """What each reachable channel says about replying now (``Connector.reply_options``:
    WhatsApp's window and templates); channels with nothing to say are left out."""
    found = {}
    addresses = [identity.recipient() for identity in identities]
    for name in channels:
        connector = hub.connector(name)
        options = await connector.reply_options(customer_id, addresses) if connector else None
        if options is not None:
            found[name] = options
    return found


def channel_labels(hub: Hub) -> dict[str, str]:
    return {name: (c.label or name) for name, c in hub.connectors.items()}


def opted_out_channels(hub: Hub, identities: list[Identity], reachable: list[str]) -> list[str]:
    """Channels that would reach one of ``identities`` but for its SMS opt-out (STOP):
    the reply box names them as refused rather than silently leaving them out."""
    blocked = []
    for name, connector in hub.connectors.items():
        if name in reachable:
            continue
        if any(
            i.sms_opted_out and connector.can_reach(i.kind, i.address, opted_out=False)
            for i in identities
        ):
            blocked.append(name)
    return blocked


def assist_reply_path(request: Request) -> str | None:
    """The path template of the route that answers a store's assist request (provided
    by the in-store connector as an endpoint named ``reply_to_assist``), or None."""
    for route in request.app.router.routes:
        endpoint = getattr(route, "endpoint", None)
        path = getattr(route, "path", "")
        if getattr(endpoint, "__name__", "") == "reply_to_assist" and "{event_id" in path:
            return re.sub(r"\{event_id(:int)?\}", "{event_id}", str(path))
    return None


@console_view()
async def timeline_json(request: Request) -> Response:
    """``{"items": [event…], "next": cursor|null}``, newest first, like the REST API;
    ``q`` searches the thread: messages, notes and call transcripts."""
    hub = hub_of(request)
    customer_id = _customer_id(request)
    before = parse_cursor(request.query_params.get("before"))
    search = request.query_params.get("q", "").strip() or None
    async with hub.read() as session:
        customer = await get_customer(session, customer_id)
        events, cursor = await timeline_page(
            session, customer.id, limit=PAGE_SIZE, before=before, search=search
        )
        names = await agent_names(session)
    return JSONResponse({"items": [event_json(e, names) for e in events], "next": cursor})
