"""Admin pages: agents, API tokens, stores and terminals (create, revoke).

New secrets (API tokens, terminal keys) are shown once, in the answer to the form
that created them; only their hashes are stored.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from hub.actions.sessions import sign_out_everywhere
from hub.actions.staff import (
    create_agent,
    create_api_token,
    create_store,
    create_terminal,
    revoke_api_token,
    revoke_terminal,
    set_agent_active,
)
from hub.models import Agent, ApiToken, Store, Terminal
from hub.models.staff import AGENT_ROLES, TERMINAL_ROLES
from hub.web.console.answers import again
from hub.web.console.auth import Refusal, console_view, current_agent, hub_of
from hub.web.console.forms import field
from hub.web.console.render import render


def _actor(request: Request) -> str:
    return f"agent:{current_agent(request).id}"


async def _page(
    request: Request, section: str, extra: dict[str, Any] | None = None, status: int = 200
) -> Response:
    async with hub_of(request).read() as db:
        context: dict[str, Any] = {"section": section}
        if section == "agents":
            context["agents"] = list((await db.execute(select(Agent).order_by(Agent.id))).scalars())
            context["roles"] = AGENT_ROLES
        elif section == "tokens":
            context["tokens"] = list(
                (await db.execute(select(ApiToken).order_by(ApiToken.id))).scalars()
            )
        else:
            context["stores"] = list(
                (await db.execute(select(Store).order_by(Store.code))).scalars()
            )
            context["terminals"] = list(
                await db.execute(
                    select(Terminal, Store.code)
                    .join(Store, Store.id == Terminal.store_id)
                    .order_by(Terminal.id)
                )
            )
            context["terminal_roles"] = TERMINAL_ROLES
    context.update(extra or {})
    return render(request, f"admin/{section}.html", context, status=status)


def _back(section: str) -> Response:
    return RedirectResponse(f"/admin/{section}", 303)


def _again(section: str) -> Refusal:
    """Refused: the section's page again, with the message."""

    async def page(request: Request, extra: dict[str, Any], status: int) -> Response:
        return await _page(request, section, extra, status)

    return again(page)


agents_again, tokens_again, stores_again = _again("agents"), _again("tokens"), _again("stores")


@console_view(admin=True)
async def agents_page(request: Request) -> Response:
    return await _page(request, "agents")


@console_view(admin=True, refused=agents_again)
async def agents_create(request: Request) -> Response:
    form = await request.form()
    async with hub_of(request).uow() as uow:
        await create_agent(
            uow,
            field(form, "email"),
            field(form, "name"),
            field(form, "password"),
            role=field(form, "role") or "agent",
            actor=_actor(request),
        )
    return _back("agents")


@console_view(admin=True, refused=agents_again)
async def agents_toggle(request: Request) -> Response:
    """Deactivate (revoke) or re-activate an agent's access."""
    form = await request.form()
    async with hub_of(request).uow() as uow:
        await set_agent_active(
            uow,
            request.path_params["agent_id"],
            field(form, "active") == "1",
            actor=_actor(request),
        )
    return _back("agents")


@console_view(admin=True, refused=agents_again)
async def agents_sign_out(request: Request) -> Response:
    """ "Sign out everywhere": revoke every session of an agent (sockets included)."""
    async with hub_of(request).uow() as uow:
        count = await sign_out_everywhere(
            uow, request.path_params["agent_id"], actor=_actor(request)
        )
    request.session["flash"] = f"Signed out of {count} session{'s' if count != 1 else ''}."
    return _back("agents")


@console_view(admin=True)
async def tokens_page(request: Request) -> Response:
    return await _page(request, "tokens")


@console_view(admin=True, refused=tokens_again)
async def tokens_create(request: Request) -> Response:
    form = await request.form()
    async with hub_of(request).uow() as uow:
        token, key = await create_api_token(uow, field(form, "name"), actor=_actor(request))
    return await _page(request, "tokens", {"secret": key, "secret_for": token.name})


@console_view(admin=True, refused=tokens_again)
async def tokens_revoke(request: Request) -> Response:
    async with hub_of(request).uow() as uow:
        await revoke_api_token(uow, request.path_params["token_id"], actor=_actor(request))
    return _back("tokens")


@console_view(admin=True)
async def stores_page(request: Request) -> Response:
    return await _page(request, "stores")


@console_view(admin=True, refused=stores_again)
async def stores_create(request: Request) -> Response:
    form = await request.form()
    async with hub_of(request).uow() as uow:
        await create_store(
            uow,
            field(form, "code"),
            field(form, "name"),
            address=field(form, "address") or None,
            timezone=field(form, "timezone") or "UTC",
            actor=_actor(request),
        )
    return _back("stores")


@console_view(admin=True, refused=stores_again)
async def terminals_create(request: Request) -> Response:
    form = await request.form()
    async with hub_of(request).uow() as uow:
        terminal, key = await create_terminal(
            uow,
            field(form, "store"),
            field(form, "name"),
            role=field(form, "role") or "associate",
            actor=_actor(request),
        )
    return await _page(request, "stores", {"secret": key, "secret_for": terminal.name})


@console_view(admin=True, refused=stores_again)
async def terminals_revoke(request: Request) -> Response:
    async with hub_of(request).uow() as uow:
        await revoke_terminal(uow, request.path_params["terminal_id"], actor=_actor(request))
    return _back("stores")
