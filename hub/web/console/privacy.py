"""Admin actions on a customer's personal data, from the thread page (admins only).

- ``POST /customers/{id}/export`` downloads ``hub.actions.privacy.export_customer``'s
  JSON and records a ``customer.exported`` audit entry (who exported whom).
- ``GET /customers/{id}/erase`` asks for confirmation; ``POST`` with ``confirm=erase``
  runs ``erase_customer`` (audited by the action) and returns to the thread.
"""

from __future__ import annotations

import json

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from hub.actions.audit import record_audit
from hub.actions.customers import get_customer
from hub.actions.privacy import erase_customer, export_customer
from hub.web.console.answers import back
from hub.web.console.auth import actor, console_view, hub_of
from hub.web.console.forms import field
from hub.web.console.render import render

CONFIRM = "erase"


@console_view(admin=True)
async def export_data(request: Request) -> Response:
    """The person's data as a JSON download."""
    customer_id: int = request.path_params["customer_id"]
    async with hub_of(request).uow() as uow:
        data = await export_customer(uow, customer_id)
        await record_audit(uow, actor(request), "customer.exported", "customer", customer_id)
    return Response(
        json.dumps(data, ensure_ascii=False, indent=2),
        media_type="application/json",
        headers={
            "Content-Disposition": f'attachment; filename="customer-{customer_id}.json"',
            "Cache-Control": "no-store",
        },
    )


@console_view(admin=True)
async def erase_confirm(request: Request) -> Response:
    async with hub_of(request).read() as db:
        customer = await get_customer(db, request.path_params["customer_id"])
    return render(request, "erase.html", {"customer": customer})


async def _thread(request: Request) -> str:
    return f"/customers/{request.path_params['customer_id']}"


@console_view(admin=True, refused=back(_thread))
async def erase_data(request: Request) -> Response:
    customer_id: int = request.path_params["customer_id"]
    form = await request.form()
    if field(form, "confirm") != CONFIRM:
        request.session["flash"] = f'Type "{CONFIRM}" to confirm the erasure.'
        return RedirectResponse(f"/customers/{customer_id}/erase", 303)
    async with hub_of(request).uow() as uow:
        erasure = await erase_customer(uow, customer_id, actor=actor(request))
    request.session["flash"] = (
        "Personal data erased."
        if erasure.changed
        else "Nothing left to erase: this customer was already erased."
    )
    return RedirectResponse(f"/customers/{erasure.customer_id}", 303)
