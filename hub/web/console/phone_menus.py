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

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from hub.actions.ivr_menus import MenuInput, delete_ivr_menu, save_ivr_menu
from hub.models.ivr import ANY_NUMBER, CLOSED_ACTIONS
from hub.queries.hours import hours_choices
from hub.queries.ivr_menus import list_menus
from hub.web.console.auth import actor, console_view
from hub.web.console.forms import act, field
from hub.web.console.sections import Section

OPTIONS = (
    ("order_status", "Order status: a caller whose number is proven hears their open order"),
    ("talk_to_someone", "Talk to someone: press 0 after the order status"),
    ("callback", "Callback: press 2 after the order status and in the queue's wait music"),
)


async def _menus(db: AsyncSession) -> dict[str, Any]:
    return {
        "menus": await list_menus(db),
        "hours_choices": await hours_choices(db),
        "options": OPTIONS,
        "closed_actions": CLOSED_ACTIONS,
        "any_number": ANY_NUMBER,
        "draft": {},
    }


PHONE = Section("phone", "/admin/phone", _menus)
phone_menus_page = PHONE.view()


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


@console_view(admin=True, refused=PHONE.again(keep=_draft))
async def phone_menu_create(request: Request) -> Response:
    menu = menu_input(await request.form())
    await act(request, save_ivr_menu, menu, actor=actor(request))
    return PHONE.back(request, "Phone menu created.")


@console_view(admin=True, refused=PHONE.again(keep=_draft))
async def phone_menu_update(request: Request) -> Response:
    menu, menu_id = menu_input(await request.form()), request.path_params["menu_id"]
    await act(request, save_ivr_menu, menu, menu_id=menu_id, actor=actor(request))
    return PHONE.back(request, "Phone menu saved.")


@console_view(admin=True, refused=PHONE.again())
async def phone_menu_delete(request: Request) -> Response:
    await act(request, delete_ivr_menu, request.path_params["menu_id"], actor=actor(request))
    return PHONE.back(request, "Phone menu deleted.")
