"""Order actions from the thread (``hub.actions.order_actions``): one page per order.

- ``GET /customers/{id}/orders/{order_id}/actions``: what this agent may do to the order,
  each behind its own confirmation form carrying a one-time ``key``. For a refund the
  agent picks quantities first; ``?refund=1`` with ``qty-<item id>`` asks the shop what
  it would pay back and shows that amount above the confirm button.
- ``POST /customers/{id}/orders/{order_id}/actions/{kind}``: performs it once per key,
  then back to the thread with the outcome — the shop's refusal in its own words.
"""

from __future__ import annotations

import secrets
from typing import Any

from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from hub.actions.customers import get_customer
from hub.actions.order_actions import (
    ADDRESS,
    CANCEL,
    DONE,
    KINDS,
    PENDING,
    REFUND,
    REFUSED,
    clean_address,
    may_perform,
    perform_order_action,
    refund_lines,
    refund_preview,
    shop_of,
)
from hub.commerce.port import ADDRESS_FIELDS
from hub.errors import HubError, Invalid, NotFound
from hub.models import Order
from hub.web.console.answers import back
from hub.web.console.auth import console_view, current_agent, hub_of
from hub.web.console.forms import field
from hub.web.console.render import render

CANCEL_REASONS = (
    ("customer", "The customer asked"),
    ("inventory", "Out of stock"),
    ("fraud", "Suspected fraud"),
    ("other", "Other"),
)


def _ids(request: Request) -> tuple[int, int]:
    return int(request.path_params["customer_id"]), int(request.path_params["order_id"])


def _quantities(source: Any, order: Order) -> dict[int, int]:
    found = {}
    for item in order.items:
        raw = source.get(f"qty-{item.id}")
        if isinstance(raw, str) and raw.strip():
            if not raw.strip().isdigit():
                raise Invalid(f"quantity of {item.name} must be a number")
            found[item.id] = int(raw.strip())
    return found


@console_view()
async def actions_page(request: Request) -> Response:
    hub = hub_of(request)
    agent = current_agent(request)
    customer_id, order_id = _ids(request)
    async with hub.read() as db:
        customer = await get_customer(db, customer_id)
        order = await db.get(Order, order_id)
        if order is None or order.customer_id != customer.id:
            raise HTTPException(404, "no such order for this customer")
        commerce = shop_of(hub, order)
    context: dict[str, Any] = {
        "customer": customer,
        "order": order,
        "shop": commerce.label,
        "allowed": {kind: may_perform(agent, kind) for kind in KINDS},
        "reasons": CANCEL_REASONS,
        "address": order.shipping_address or {},
        "address_fields": ADDRESS_FIELDS,
        # One one-time key per form: a double submit of a form is recognised, two
        # different forms from the same page are two actions.
        "keys": {kind: secrets.token_urlsafe(24) for kind in KINDS},
        "refund": None,
        "error": None,
    }
    if request.query_params.get("refund") and context["allowed"][REFUND]:
        try:
            quantities = _quantities(request.query_params, order)
            lines = refund_lines(order, quantities)
            amount = await refund_preview(hub, order, lines)
        except HubError as exc:
            context["error"] = exc.message
        else:
            context["refund"] = {"quantities": quantities, "amount_cents": amount}
    return render(request, "order_actions.html", context)


def _request_for(kind: str, form: FormData, order: Order) -> dict[str, Any]:
    if kind == CANCEL:
        reason = field(form, "reason") or "other"
        if reason not in {code for code, _ in CANCEL_REASONS}:
            raise Invalid("choose a reason")
        return {"reason": reason}
    if kind == REFUND:
        quantities = _quantities(form, order)
        lines = refund_lines(order, quantities)
        amount = field(form, "amount_cents")
        return {
            "lines": [[line.item_external_id, line.quantity] for line in lines],
            "amount_cents": int(amount) if amount.isdigit() else None,
        }
    if kind == ADDRESS:
        return {"address": clean_address({k: field(form, k) for k in ADDRESS_FIELDS})}
    return {}


async def _actions_page(request: Request) -> str:
    customer_id, order_id = _ids(request)
    return f"/customers/{customer_id}/orders/{order_id}/actions"


_back_to_actions = back(_actions_page)


async def _refused(request: Request, exc: HubError) -> Response:
    """Refused: a role that may not is a plain 403; anything else goes back to the
    order's actions page with the message."""
    if exc.status == 403:
        raise HTTPException(403, exc.message) from exc
    return await _back_to_actions(request, exc)


@console_view(refused=_refused)
async def perform(request: Request) -> Response:
    hub = hub_of(request)
    agent = current_agent(request)
    customer_id, order_id = _ids(request)
    kind = str(request.path_params["kind"])
    thread = f"/customers/{customer_id}#order-{order_id}"
    form = await request.form()
    if kind not in KINDS:
        raise NotFound(f"no order action {kind!r}")
    async with hub.read() as db:
        order = await db.get(Order, order_id)
        if order is None or order.customer_id != customer_id:
            raise NotFound("no such order for this customer")
        payload = _request_for(kind, form, order)
    done = await perform_order_action(hub, agent.id, order_id, kind, field(form, "key"), payload)
    action = done.action
    if not done.fresh:
        prefix = "Already submitted" if action.state == PENDING else "Already done"
        request.session["flash"] = f"{prefix} (this form was sent before): {action.message or ''}"
    elif action.state == DONE:
        request.session["flash"] = action.message
    elif action.state == REFUSED:
        request.session["flash"] = f"The shop refused: {action.message}"
    else:
        request.session["flash"] = f"Not done: {action.message}"
    return RedirectResponse(thread, 303)
