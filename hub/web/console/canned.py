"""Canned responses: the admin page (create, edit, delete) and the reply box's "/" picker.

The picker reads ``GET /canned.json?q=`` (shortcut and title only) and, once an agent
picks one, ``GET /customers/{id}/canned/{canned_id}.json`` → ``{"text": ...}``: the
template rendered server-side (``hub.canned.render_template``) for that customer and
the signed-in agent. The text is plain text; the script inserts it with ``.value``.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from hub.actions.canned import create_canned, delete_canned, update_canned
from hub.actions.customers import get_customer
from hub.canned import PLACEHOLDERS, render_template, search_canned, template_context
from hub.errors import NotFound
from hub.models import CannedResponse
from hub.web.console.answers import again
from hub.web.console.auth import console_view, current_agent, hub_of
from hub.web.console.forms import field
from hub.web.console.render import render

PICKER_SIZE = 20


async def _page(
    request: Request, extra: dict[str, Any] | None = None, status: int = 200
) -> Response:
    async with hub_of(request).read() as db:
        rows = await search_canned(db, "", limit=10_000)
    context: dict[str, Any] = {
        "section": "canned",
        "canned": rows,
        "placeholders": PLACEHOLDERS,
        "draft": {},
    }
    context.update(extra or {})
    return render(request, "admin/canned.html", context, status=status)


def _back() -> Response:
    return RedirectResponse("/admin/canned", 303)


def _draft(request: Request, form: Any) -> dict[str, Any]:
    """What the admin typed, kept for the page shown again."""
    return {
        "id": request.path_params.get("canned_id"),
        "shortcut": field(form, "shortcut"),
        "title": field(form, "title"),
        "body": field(form, "body"),
    }


@console_view(admin=True)
async def canned_page(request: Request) -> Response:
    return await _page(request)


@console_view(admin=True, refused=again(_page, keep=_draft))
async def canned_create(request: Request) -> Response:
    form = await request.form()
    async with hub_of(request).uow() as uow:
        await create_canned(
            uow,
            field(form, "shortcut"),
            field(form, "title"),
            field(form, "body"),
            agent_id=current_agent(request).id,
        )
    return _back()


@console_view(admin=True, refused=again(_page, keep=_draft))
async def canned_update(request: Request) -> Response:
    form = await request.form()
    canned_id: int = request.path_params["canned_id"]
    async with hub_of(request).uow() as uow:
        await update_canned(
            uow,
            canned_id,
            shortcut=field(form, "shortcut"),
            title=field(form, "title"),
            body=field(form, "body"),
            agent_id=current_agent(request).id,
        )
    return _back()


@console_view(admin=True, refused=again(_page))
async def canned_delete(request: Request) -> Response:
    async with hub_of(request).uow() as uow:
        await delete_canned(
            uow, request.path_params["canned_id"], agent_id=current_agent(request).id
        )
    return _back()


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
