"""Phone menus (IVR) per dialled number: admins save them (audited), every incoming
call follows the one for the number it dialled (``hub.models.ivr``).

``call_menu`` is what a call reads: the menu for the number (else the ``"*"`` menu,
else ``DEFAULT_MENU``, today's built-in behaviour) with the state of its business
hours when the call comes in. Routing (``hub.actions.calls.route_call``) closes on
those hours, not the default team's, and books a callback instead of a voicemail when
the menu says so.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.actions.audit import record_audit
from hub.actions.hours import CLOSED, OPEN, Hours, hours_status
from hub.core import UnitOfWork
from hub.db import utcnow
from hub.errors import Conflict, Invalid, NotFound
from hub.identity import InvalidAddress, normalize_phone
from hub.models import BusinessHours, IvrMenu, Store
from hub.models.hours import DEFAULT_TEAM, STORE_TEAM_PREFIX
from hub.models.ivr import ANY_NUMBER, CLOSED_ACTIONS, CLOSED_CALLBACK, CLOSED_VOICEMAIL

MAX_GREETING = 500
MAX_NAME = 200
# What a call reads of its menu, by the same names on IvrMenu and CallMenu.
SPOKEN = (
    "greeting",
    "order_status",
    "talk_to_someone",
    "callback",
    "closed_action",
    "voicemail_greeting",
)


@dataclass(frozen=True)
class MenuInput:
    """A menu as an admin submits it (not yet validated; ``save_ivr_menu`` checks)."""

    number: str
    name: str
    greeting: str = ""
    order_status: bool = True
    talk_to_someone: bool = True
    callback: bool = True
    hours: str = DEFAULT_TEAM
    closed_action: str = CLOSED_VOICEMAIL
    voicemail_greeting: str = ""


@dataclass(frozen=True)
class CallMenu:
    """The menu one call follows (``menu_id`` None: the built-in default), with
    ``hours``, the state of its schedule when the call came in. ``callback`` is the
    queue's callback offer; a configured menu with it on also offers it after the
    order status (``status_callback``; the built-in default offers only 0 there)."""

    menu_id: int | None = None
    greeting: str | None = None
    order_status: bool = True
    talk_to_someone: bool = True
    callback: bool = True
    hours_team: str = DEFAULT_TEAM
    closed_action: str = CLOSED_VOICEMAIL
    voicemail_greeting: str | None = None
    hours: Hours = field(default_factory=lambda: Hours(OPEN))

    @property
    def status_callback(self) -> bool:
        return self.callback and self.menu_id is not None

    @property
    def closed(self) -> bool:
        return self.hours.status == CLOSED

    @property
    def books_callback(self) -> bool:
        """Outside hours the caller is called back instead of leaving a voicemail."""
        return self.closed_action == CLOSED_CALLBACK


DEFAULT_MENU = CallMenu()


def _text(value: str, what: str, limit: int = MAX_GREETING) -> str | None:
    value = " ".join(value.split())
    if len(value) > limit:
        raise Invalid(f"{what} is longer than {limit} characters", code="too_long")
    return value or None


async def _checked(uow: UnitOfWork, data: MenuInput) -> MenuInput:
    """``data`` with the number in E.164 (or ``*``); ``Invalid`` says what is wrong."""
    number = data.number.strip()
    if number != ANY_NUMBER:
        try:
            number = normalize_phone(number, uow.settings.default_region)
        except InvalidAddress as exc:
            raise Invalid(
                f"the number must be a phone number (E.164, e.g. +15551230000) or {ANY_NUMBER}",
                code="invalid_number",
            ) from exc
    name = (_text(data.name, "the name", MAX_NAME) or "").strip()
    if not name:
        raise Invalid("give the menu a name", code="invalid_menu")
    if data.closed_action not in CLOSED_ACTIONS:
        raise Invalid("outside hours is voicemail or callback", code="invalid_menu")
    hours = data.hours.strip() or DEFAULT_TEAM
    if hours != DEFAULT_TEAM and not await _schedule_exists(uow.session, hours):
        raise Invalid(
            f"no business hours named {hours!r}: set them on the Business hours page first",
            code="invalid_hours",
        )
    return MenuInput(
        number=number,
        name=name,
        greeting=_text(data.greeting, "the greeting") or "",
        order_status=data.order_status,
        talk_to_someone=data.talk_to_someone,
        callback=data.callback,
        hours=hours,
        closed_action=data.closed_action,
        voicemail_greeting=_text(data.voicemail_greeting, "the voicemail greeting") or "",
    )


async def _schedule_exists(session: AsyncSession, team: str) -> bool:
    """A team with a schedule, or a store (whose hours may be set later: always open
    until then)."""
    if team.startswith(STORE_TEAM_PREFIX):
        code = team[len(STORE_TEAM_PREFIX) :]
        found = await session.execute(select(Store.id).where(Store.code == code))
    else:
        found = await session.execute(select(BusinessHours.id).where(BusinessHours.team == team))
    return found.scalar_one_or_none() is not None


async def save_ivr_menu(
    uow: UnitOfWork, data: MenuInput, *, menu_id: int | None = None, actor: str
) -> IvrMenu:
    """Create a menu (``menu_id`` None) or replace menu ``menu_id`` after validating
    ``data``; one menu per number (``Conflict`` otherwise). Audited
    (``ivr_menu.created`` / ``ivr_menu.updated``)."""
    menu = await uow.session.get(IvrMenu, menu_id) if menu_id is not None else IvrMenu()
    if menu is None:
        raise NotFound("no such phone menu")
    checked = await _checked(uow, data)
    taken = await uow.session.execute(select(IvrMenu.id).where(IvrMenu.number == checked.number))
    other = taken.scalar_one_or_none()
    if other is not None and other != menu_id:
        raise Conflict(f"the number {checked.number} already has a menu", code="number_taken")
    if menu_id is None:
        uow.session.add(menu)
    for name, value in vars(checked).items():
        setattr(menu, name, None if value == "" else value)  # an empty greeting: the default
    await uow.session.flush()
    action = "ivr_menu.created" if menu_id is None else "ivr_menu.updated"
    await record_audit(
        uow, actor, action, "ivr_menu", menu.id, {"number": menu.number, "name": menu.name}
    )
    return menu


async def delete_ivr_menu(uow: UnitOfWork, menu_id: int, *, actor: str) -> None:
    """Remove a menu: calls to its number follow the ``*`` menu or the default. Audited."""
    menu = await uow.session.get(IvrMenu, menu_id)
    if menu is None:
        raise NotFound("no such phone menu")
    await uow.session.delete(menu)
    await record_audit(uow, actor, "ivr_menu.deleted", "ivr_menu", menu_id, {"number": menu.number})


async def find_menu(session: AsyncSession, dialled: str, region: str) -> IvrMenu | None:
    """The menu for calls to ``dialled``: its own, else the ``*`` menu, else None."""
    try:
        number = normalize_phone(dialled, region)
    except InvalidAddress:
        number = ANY_NUMBER
    result = await session.execute(
        select(IvrMenu).where(or_(IvrMenu.number == number, IvrMenu.number == ANY_NUMBER))
    )
    menus = {menu.number: menu for menu in result.scalars()}
    return menus.get(number) or menus.get(ANY_NUMBER)


async def call_menu(session: AsyncSession, dialled: str, *, region: str) -> CallMenu:
    """What a call to ``dialled`` follows now: its menu and whether its hours are open
    (the default team's for the built-in default)."""
    menu = await find_menu(session, dialled, region)
    now = utcnow()
    if menu is None:
        return CallMenu(hours=await hours_status(session, DEFAULT_TEAM, now))
    return CallMenu(
        menu_id=menu.id,
        hours_team=menu.hours,
        hours=await hours_status(session, menu.hours, now),
        **{name: getattr(menu, name) for name in SPOKEN},
    )
