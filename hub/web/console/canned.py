"""Canned responses: the admin page (create, edit, delete) and the reply box's "/" picker.

The picker reads ``GET /canned.json?q=`` (shortcut and title only) and, once an agent
picks one, ``GET /customers/{id}/canned/{canned_id}.json`` → ``{"text": ...}``: the
template rendered server-side (``hub.rules.canned.render_template``) for that customer and
the signed-in agent. The text is plain text; the script inserts it with ``.value``.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from hub.actions.canned import create_canned, delete_canned, update_canned
from hub.actions.customers import get_customer
from hub.errors import NotFound
from hub.models import CannedResponse
from hub.queries.canned import search_canned, template_context
from hub.rules.canned import PLACEHOLDERS, render_template
from hub.web.console.auth import console_view, current_agent, hub_of
from hub.web.console.forms import act, field
from hub.web.console.sections import Section

PICKER_SIZE = 20


async def _canned(db: AsyncSession) -> dict[str, Any]:
    rows = await search_canned(db, "", limit=10_000)
    return {"canned": rows, "placeholders": PLACEHOLDERS, "draft": {}}


CANNED = Section("canned", "/admin/canned", _canned)
canned_page = CANNED.view()


def _draft(request: Request, form: FormData) -> dict[str, Any]:
    """What the admin typed, kept for the page shown again."""
    return {
        "id": request.path_params.get("canned_id"),
        "shortcut": field(form, "shortcut"),
        "title": field(form, "title"),
        "body": field(form, "body"),
    }


@console_view(admin=True, refused=CANNED.again(keep=_draft))
async def canned_create(request: Request) -> Response:
    form = await request.form()
    shortcut, title, body = field(form, "shortcut"), field(form, "title"), field(form, "body")
    agent_id = current_agent(request).id
    await act(request, create_canned, shortcut, title, body, agent_id=agent_id)
    return CANNED.back(request)


@console_view(admin=True, refused=CANNED.again(keep=_draft))
async def canned_update(request: Request) -> Response:
    form = await request.form()
    await act(
        request,
        update_canned,
        request.path_params["canned_id"],
        shortcut=field(form, "shortcut"),
        title=field(form, "title"),
        body=field(form, "body"),
        agent_id=current_agent(request).id,
    )
    return CANNED.back(request)


@console_view(admin=True, refused=CANNED.again())
async def canned_delete(request: Request) -> Response:
    canned_id = request.path_params["canned_id"]
    await act(request, delete_canned, canned_id, agent_id=current_agent(request).id)
    return CANNED.back(request)


@console_view()
async def canned_search(request: Request) -> Response:
    """``{"items": [{"id", "shortcut", "title"}]}`` matching ``q`` (the text after "/")."""
    query = request.query_params.get("q", "")[:64]
    async with hub_of(request).read() as db:
        rows = await search_canned(db, query, limit=PICKER_SIZE)
    items = [{"id": r.id, "shortcut": r.shortcut, "title": r.title} for r in rows]
    return JSONResponse({"items": items})


@console_view()
async def canned_rendered(request: Request) -> Response:
    """``{"text": ...}``: one canned response rendered for this customer (plain text)."""
    customer_id: int = request.path_params["customer_id"]
    async with hub_of(request).read() as db:
        customer = await get_customer(db, customer_id)
        row = await db.get(CannedResponse, request.path_params["canned_id"])
        if row is None:
            raise NotFound("no such canned response")
        context = await template_context(db, customer.id, current_agent(request).id)
    return JSONResponse({"id": row.id, "text": render_template(row.body, context)})
