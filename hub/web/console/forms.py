"""Form handlers of the thread page: each parses (``field``), calls one action (``act``)
and answers.

A plain form post is answered with a redirect back to the thread (a refusal goes to
the page as a flash message); a fetch with ``Accept: application/json`` gets JSON
(``{"ok": true, ...}`` or the hub's error shape with a 4xx status): ``answer`` and
``back`` of ``hub.web.console.answers``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Concatenate, ParamSpec, TypeVar

from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from hub.actions.customers import Provenance, record_detail
from hub.actions.mentions import discard_detail
from hub.actions.merge import merge_customers, unmerge_customers
from hub.actions.replies import send_reply
from hub.actions.threads import add_note, assign_thread, mark_read, set_thread_status
from hub.core import UnitOfWork
from hub.errors import Invalid, NotFound
from hub.models.thread import OPEN, RESOLVED
from hub.queries.timeline import event_on_timeline
from hub.serializers import event_dict
from hub.web.console.answers import answer, back
from hub.web.console.auth import actor, console_view, current_agent, hub_of

P = ParamSpec("P")
T = TypeVar("T")


async def act(
    request: Request,
    action: Callable[Concatenate[UnitOfWork, P], Awaitable[T]],
    *args: P.args,
    **kwargs: P.kwargs,
) -> T:
    """Run one action in a transaction of its own (a view's one write) and return its
    result; its ``HubError`` reaches ``console_view``'s ``refused`` answer."""
    async with hub_of(request).uow() as uow:
        return await action(uow, *args, **kwargs)


def field(form: FormData, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


def int_field(form: FormData, name: str) -> int:
    value = field(form, name)
    if not value.isdigit() or len(value) > 18:
        raise Invalid(f"{name} must be a number")
    return int(value)


def _customer(request: Request) -> tuple[int, str]:
    customer_id = request.path_params["customer_id"]
    if not isinstance(customer_id, int):
        raise HTTPException(404)
    return customer_id, f"/customers/{customer_id}"


async def _thread(request: Request) -> str:
    return _customer(request)[1]


async def _back_field(request: Request) -> str:
    """The form's ``back`` path (same site only), else ``/audit``."""
    where = field(await request.form(), "back")
    return where if where.startswith("/") and not where.startswith("//") else "/audit"


to_thread = back(_thread)


@console_view(refused=to_thread)
async def reply(request: Request) -> Response:
    """Send a reply on the chosen channel, or (``mode=note``) add a private note."""
    customer_id, here = _customer(request)
    form = await request.form()
    body, agent_id = field(form, "body"), current_agent(request).id
    if field(form, "mode") == "note":
        event = await act(request, add_note, customer_id, body, agent_id=agent_id)
    else:
        channel = field(form, "channel") or None
        data = template_choice(form)
        event = await act(
            request, send_reply, customer_id, body, channel=channel, agent_id=agent_id, data=data
        )
    return answer(request, here, {"event": event_dict(event)})


def template_choice(form: FormData) -> dict[str, object] | None:
    """``{"template": {"sid", "variables"}}`` when the agent picked a provider template
    (fields ``template`` and ``template_var_<name>``), else None."""
    sid = field(form, "template")
    if not sid:
        return None
    prefix = "template_var_"
    variables = {
        key[len(prefix) :]: value
        for key, value in form.multi_items()
        if key.startswith(prefix) and isinstance(value, str)
    }
    return {"template": {"sid": sid, "variables": variables}}


@console_view(refused=to_thread)
async def note(request: Request) -> Response:
    customer_id, here = _customer(request)
    body = field(await request.form(), "body")
    event = await act(request, add_note, customer_id, body, agent_id=current_agent(request).id)
    return answer(request, here, {"event": event_dict(event)})


@console_view(refused=to_thread)
async def save_detail(request: Request) -> Response:
    """ "Save as detail" on an inbound message: the detail keeps that message as source."""
    customer_id, here = _customer(request)
    form = await request.form()
    source_id = int_field(form, "source_event_id")
    async with hub_of(request).uow() as uow:
        source = await event_on_timeline(uow.session, customer_id, source_id)
        if source is None:
            raise NotFound("no such message on this thread")
        await record_detail(
            uow,
            customer_id,
            field(form, "key"),
            field(form, "value"),
            Provenance(source.channel, source.id),
        )
    return answer(request, here)


async def _change_thread(
    request: Request, change: Callable[..., Awaitable[object]], value: object
) -> Response:
    """``change(uow, customer_id, value, actor_agent_id=<this agent>)`` on this thread
    (``assign_thread``, ``set_thread_status``), then back to it."""
    customer_id, here = _customer(request)
    await act(request, change, customer_id, value, actor_agent_id=current_agent(request).id)
    return answer(request, here)


@console_view(refused=to_thread)
async def assign_to_me(request: Request) -> Response:
    return await _change_thread(request, assign_thread, current_agent(request).id)


@console_view(refused=to_thread)
async def transfer(request: Request) -> Response:
    """Assign the thread to another agent (empty ``agent_id`` unassigns)."""
    form = await request.form()
    target = int_field(form, "agent_id") if field(form, "agent_id") else None
    return await _change_thread(request, assign_thread, target)


@console_view(refused=to_thread)
async def resolve(request: Request) -> Response:
    return await _change_thread(request, set_thread_status, RESOLVED)


@console_view(refused=to_thread)
async def reopen(request: Request) -> Response:
    return await _change_thread(request, set_thread_status, OPEN)


@console_view(refused=to_thread)
async def read(request: Request) -> Response:
    """The agent has seen the thread: clear its unread count."""
    customer_id, here = _customer(request)
    await act(request, mark_read, customer_id)
    return answer(request, here)


@console_view(refused=to_thread)
async def merge(request: Request) -> Response:
    """Fold the suggested match ``source_id`` into this customer (audited, reversible)."""
    customer_id, here = _customer(request)
    form = await request.form()
    source_id = int_field(form, "source_id")
    reason = field(form, "reason")[:200] or "suggested match"
    await act(request, merge_customers, source_id, customer_id, actor=actor(request), reason=reason)
    return answer(request, here)


@console_view(refused=to_thread)
async def discard(request: Request) -> Response:
    """Discard a detail read from a message that was wrong (audited)."""
    customer_id, here = _customer(request)
    detail_id = request.path_params["detail_id"]
    await act(request, discard_detail, customer_id, detail_id, actor=actor(request))
    return answer(request, here)


@console_view(refused=back(_back_field))
async def unmerge(request: Request) -> Response:
    """Undo a merge; both customers get their own history back."""
    merge_id = request.path_params["merge_id"]
    await act(request, unmerge_customers, merge_id, actor=actor(request))
    return answer(request, await _back_field(request))
