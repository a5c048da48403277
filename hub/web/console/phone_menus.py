"""The phone menus' admin page (``/admin/phone``): one menu per number the hub answers
(or ``*`` for every other number), created, edited and deleted by admins; every
change is audited (``hub.actions.ivr_menus``). A refused form shows the page again
with the message and what the admin typed.

A menu's form: ``number``, ``name``, ``greeting``, the options as checkboxes
(``order_status``, ``talk_to_someone``, ``callback``: present means on), ``hours``
(a team's schedule or ``store:<CODE>``), ``closed_action`` (``voicemail`` or
``callback``) and ``voicemail_greeting``.
"""

from __future__ import annotations

from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from hub.actions.ivr_menus import MenuInput, delete_ivr_menu, save_ivr_menu
from hub.models.ivr import ANY_NUMBER, CLOSED_ACTIONS
from hub.queries.hours import hours_choices
from hub.queries.ivr_menus import list_menus
from hub.web.console.answers import again
from hub.web.console.auth import console_view, current_agent, hub_of
from hub.web.console.forms import field
from hub.web.console.render import render

OPTIONS = (
    ("order_status", "Order status: a caller whose number is proven hears their open order"),
    ("talk_to_someone", "Talk to someone: press 0 after the order status"),
    ("callback", "Callback: press 2 after the order status and in the queue's wait music"),
)


async def _page(
    request: Request, extra: dict[str, Any] | None = None, status: int = 200
) -> Response:
    async with hub_of(request).read() as db:
        menus = await list_menus(db)
        choices = await hours_choices(db)
    context: dict[str, Any] = {
        "section": "phone",
        "menus": menus,
        "hours_choices": choices,
        "options": OPTIONS,
        "closed_actions": CLOSED_ACTIONS,
        "any_number": ANY_NUMBER,
        "draft": {},
    }
    context.update(extra or {})
    return render(request, "admin/phone.html", context, status=status)


def menu_input(form: FormData) -> MenuInput:
    """The submitted menu (``save_ivr_menu`` validates it)."""
    return MenuInput(
        number=field(form, "number"),
        name=field(form, "name"),
        greeting=field(form, "greeting"),
        order_status=bool(field(form, "order_status")),
        talk_to_someone=bool(field(form, "talk_to_someone")),
        callback=bool(field(form, "callback")),
        hours=field(form, "hours"),
        closed_action=field(form, "closed_action"),
        voicemail_greeting=field(form, "voicemail_greeting"),
    )


def _draft(request: Request, form: FormData) -> dict[str, Any]:
    """What the admin typed, kept for the page shown again (``id``: the menu edited)."""
    return {"id": request.path_params.get("menu_id"), **vars(menu_input(form))}


def _back() -> Response:
    return RedirectResponse("/admin/phone", 303)


def _actor(request: Request) -> str:
    return f"agent:{current_agent(request).id}"


@console_view(admin=True)
async def phone_menus_page(request: Request) -> Response:
    return await _page(request)


@console_view(admin=True, refused=again(_page, keep=_draft))
async def phone_menu_create(request: Request) -> Response:
    form = await request.form()
    async with hub_of(request).uow() as uow:
        await save_ivr_menu(uow, menu_input(form), actor=_actor(request))
    request.session["flash"] = "Phone menu created."
    return _back()


@console_view(admin=True, refused=again(_page, keep=_draft))
async def phone_menu_update(request: Request) -> Response:
    form = await request.form()
    async with hub_of(request).uow() as uow:
        await save_ivr_menu(
            uow, menu_input(form), menu_id=request.path_params["menu_id"], actor=_actor(request)
        )
    request.session["flash"] = "Phone menu saved."
    return _back()


@console_view(admin=True, refused=again(_page))
async def phone_menu_delete(request: Request) -> Response:
    async with hub_of(request).uow() as uow:
        await delete_ivr_menu(uow, request.path_params["menu_id"], actor=_actor(request))
    request.session["flash"] = "Phone menu deleted."
    return _back()
