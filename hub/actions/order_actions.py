"""Order actions from the thread: cancel, refund items, change the shipping address,
resend the confirmation — asked of the connected shop (``hub.commerce``).

``perform_order_action`` is the one entry point. It is idempotent on the confirmation
form's one-time ``key``: the first submit records a ``pending`` ``OrderAction`` and
commits it *before* the shop is asked, so a second submit of the same form (a double
click, a resent request, another process) finds that row and never asks the shop again.
The shop's answer is then recorded — ``done``, ``refused`` with the shop's own words,
or ``failed`` when it could not be reached — with an audit entry and a timeline event
(type ``order_action``, channel ``console``).

Roles: cancelling and refunding move money and need an administrator
(``MONEY_KINDS``); any agent may change the address or resend the confirmation.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from hub.actions.audit import record_audit
from hub.actions.timeline import NewEvent, append_to_customer
from hub.commerce.port import ADDRESS_FIELDS, Outcome, RefundLine, ShopRefused, ShopUnavailable
from hub.commerce.service import CommerceService
from hub.core import Hub, UnitOfWork
from hub.db import utcnow
from hub.errors import Forbidden, Invalid, NotFound
from hub.models import Agent, Order, OrderAction

log = logging.getLogger(__name__)

CANCEL = "cancel"
REFUND = "refund"
ADDRESS = "address"
RESEND = "resend"
KINDS = (CANCEL, REFUND, ADDRESS, RESEND)
MONEY_KINDS = frozenset({CANCEL, REFUND})
ORDER_ACTION = "order_action"  # the timeline event type

PENDING, DONE, REFUSED, FAILED = "pending", "done", "refused", "failed"

_VERBS = {
    CANCEL: "cancel the order",
    REFUND: "refund",
    ADDRESS: "change the shipping address",
    RESEND: "resend the confirmation",
}


@dataclass(frozen=True)
class Performed:
    action: OrderAction
    #: False when the key had been used already (nothing was asked of the shop).
    fresh: bool


def may_perform(agent: Agent, kind: str) -> bool:
    return kind not in MONEY_KINDS or agent.is_admin


def shop_of(hub: Hub, order: Order) -> CommerceService:
    """The connected shop the order came from, or ``Invalid``."""
    commerce = hub.commerce
    if commerce is None or not commerce.owns(order.external_id):
        raise Invalid("this order is not from the connected shop", code="not_shop_order")
    return commerce


def refund_lines(order: Order, quantities: Mapping[int, int]) -> list[RefundLine]:
    """The shop's refund lines for ``{order item id: quantity}`` (zero quantities left
    out); ``Invalid`` for an item not on the order or a quantity above the bought one."""
    items = {item.id: item for item in order.items}
    lines = []
    for item_id, quantity in sorted(quantities.items()):
        item = items.get(item_id)
        if item is None or item.external_id is None:
            raise Invalid("that item is not on this order")
        if quantity < 0 or quantity > item.quantity:
            raise Invalid(f"refund between 0 and {item.quantity} of {item.name}")
        if quantity:
            lines.append(RefundLine(item.external_id, quantity))
    if not lines:
        raise Invalid("choose at least one item to refund")
    return lines


def clean_address(raw: Mapping[str, str]) -> dict[str, str]:
    address = {k: raw[k].strip()[:200] for k in ADDRESS_FIELDS if raw.get(k, "").strip()}
    missing = [k for k in ("address1", "city", "country") if k not in address]
    if missing:
        raise Invalid(f"the new address needs {', '.join(missing)}")
    return address


async def _start(
    uow: UnitOfWork, agent_id: int, order_id: int, kind: str, key: str, request: dict[str, Any]
) -> Performed:
    agent = await uow.session.get(Agent, agent_id)
    if agent is None or not agent.is_active:
        raise Forbidden("sign in again")
    if kind not in KINDS:
        raise NotFound(f"no order action {kind!r}")
    if not may_perform(agent, kind):
        raise Forbidden(f"only an administrator may {_VERBS[kind]}")
    if not key or len(key) > 64:
        raise Invalid("the form has expired; open it again", code="bad_key")
    order = await uow.session.get(Order, order_id)
    if order is None:
        raise NotFound(f"order {order_id} not found")
    shop_of(uow.hub, order)
    try:
        async with uow.session.begin_nested():
            action = OrderAction(
                key=key, order_id=order.id, kind=kind, agent_id=agent.id, request=request
            )
            uow.session.add(action)
            await uow.session.flush()
    except IntegrityError:
        found = await uow.session.execute(select(OrderAction).where(OrderAction.key == key))
        existing = found.scalar_one()
        if existing.order_id != order.id or existing.kind != kind:
            raise Invalid("the form has expired; open it again", code="bad_key") from None
        return Performed(existing, False)
    return Performed(action, True)


async def _ask_shop(
    commerce: CommerceService, order: Order, kind: str, request: dict[str, Any]
) -> Outcome:
    port = commerce.port
    if kind == CANCEL:
        return await port.cancel(order.external_id, reason=str(request.get("reason") or "other"))
    if kind == REFUND:
        lines = [RefundLine(str(i), int(q)) for i, q in request["lines"]]
        return await port.refund(order.external_id, lines)
    if kind == ADDRESS:
        return await port.update_shipping_address(order.external_id, request["address"])
    return await port.resend_confirmation(order.external_id)


def _describe(order: Order, kind: str, request: dict[str, Any]) -> str:
    number = order.number or order.external_id
    if kind == REFUND:
        by_id = {i.external_id: i.name for i in order.items}
        items = ", ".join(f"{q} × {by_id.get(str(i), 'item')}" for i, q in request["lines"])
        amount = request.get("amount_cents")
        money = f" ({amount / 100:.2f} {order.currency})" if isinstance(amount, int) else ""
        return f"refund {items}{money} on order {number}"
    if kind == ADDRESS:
        address = request["address"]
        return f"ship order {number} to {', '.join(address.values())}"
    return f"{_VERBS[kind]} of order {number}"


async def _finish(
    uow: UnitOfWork, action_id: int, state: str, message: str, data: dict[str, Any]
) -> OrderAction:
    action = await uow.session.get(OrderAction, action_id, with_for_update=True)
    assert action is not None
    order = await uow.session.get(Order, action.order_id)
    assert order is not None
    action.state = state
    action.message = message[:1000]
    action.finished_at = utcnow()
    if isinstance(data.get("amount_cents"), int):
        # What the shop says it refunded, not what the form showed.
        action.request = {**action.request, "amount_cents": data["amount_cents"]}
    agent = await uow.session.get(Agent, action.agent_id) if action.agent_id else None
    what = _describe(order, action.kind, action.request)
    if state == DONE:
        body = f"{message} — {what}"
    elif state == REFUSED:
        body = f"The shop refused to {what}: {message}"
    else:
        body = f"Could not {what}: {message}"
    if order.customer_id is not None:
        await append_to_customer(
            uow,
            order.customer_id,
            NewEvent(
                type=ORDER_ACTION,
                channel="console",
                body=body[:2000],
                agent_id=action.agent_id,
                data={
                    "order_id": order.id,
                    "kind": action.kind,
                    "state": state,
                    "agent_name": agent.name if agent else None,
                    **{k: v for k, v in data.items() if isinstance(v, str | int | None)},
                },
            ),
        )
    await record_audit(
        uow,
        f"agent:{action.agent_id}" if action.agent_id else "system",
        f"order.{action.kind}",
        "order",
        order.id,
        {"state": state, "message": message[:300], "request": action.request},
    )
    return action


async def perform_order_action(
    hub: Hub,
    agent_id: int,
    order_id: int,
    kind: str,
    key: str,
    request: dict[str, Any],
) -> Performed:
    """Ask the shop to do ``kind`` to the order once per ``key`` (see the module).

    ``request`` is the validated input: ``{"reason"}`` for cancel, ``{"lines":
    [[item external id, quantity]], "amount_cents"}`` for refund, ``{"address": {...}}``
    for address, ``{}`` for resend. Raises ``Forbidden``/``Invalid``/``NotFound``
    before anything is recorded; the shop's refusal is recorded, not raised.
    """
    async with hub.uow() as uow:
        started = await _start(uow, agent_id, order_id, kind, key, request)
        order = await uow.session.get(Order, order_id)
        assert order is not None
        commerce = shop_of(hub, order)
    if not started.fresh:
        return started
    data: dict[str, Any] = {}
    try:
        outcome = await _ask_shop(commerce, order, kind, request)
    except ShopRefused as exc:
        state, message = REFUSED, exc.message
    except ShopUnavailable as exc:
        state, message = FAILED, exc.message
    except Exception:
        # Never leave the action pending forever: record it, and let the log say why.
        log.exception("order action %s on order %s failed", kind, order_id)
        state, message = FAILED, "an unexpected error; check the shop before trying again"
    else:
        state, message, data = DONE, outcome.message, outcome.data
    async with hub.uow() as uow:
        action = await _finish(uow, started.action.id, state, message, data)
    return Performed(action, True)


async def refund_preview(hub: Hub, order: Order, lines: Sequence[RefundLine]) -> int:
    """What the shop would refund for ``lines``, in cents (asks the shop; changes nothing)."""
    return await shop_of(hub, order).port.refund_amount(order.external_id, lines)
