"""Admin pages: agents, API tokens, stores and terminals (create, revoke).

New secrets (API tokens, terminal keys) are shown once, in the answer to the form
that created them; only their hashes are stored.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request
from starlette.responses import Response

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
from hub.models.staff import AGENT_ROLES, TERMINAL_ROLES
from hub.queries.staff import list_agents, list_api_tokens, list_stores, list_terminals
from hub.web.console.auth import actor, console_view
from hub.web.console.forms import act, field
from hub.web.console.sections import Section


async def _agents(db: AsyncSession) -> dict[str, Any]:
    return {"agents": await list_agents(db), "roles": AGENT_ROLES}


async def _tokens(db: AsyncSession) -> dict[str, Any]:
    return {"tokens": await list_api_tokens(db)}


async def _stores(db: AsyncSession) -> dict[str, Any]:
    return {
        "stores": await list_stores(db, by_code=True),
        "terminals": await list_terminals(db),
        "terminal_roles": TERMINAL_ROLES,
    }


AGENTS = Section("agents", "/admin/agents", _agents)
TOKENS = Section("tokens", "/admin/tokens", _tokens)
STORES = Section("stores", "/admin/stores", _stores)

agents_page = AGENTS.view()
tokens_page = TOKENS.view()
stores_page = STORES.view()


@console_view(admin=True, refused=AGENTS.again())
async def agents_create(request: Request) -> Response:
    form = await request.form()
    role = field(form, "role") or "agent"
    email, name, password = field(form, "email"), field(form, "name"), field(form, "password")
    await act(request, create_agent, email, name, password, role=role, actor=actor(request))
    return AGENTS.back(request)


@console_view(admin=True, refused=AGENTS.again())
async def agents_toggle(request: Request) -> Response:
    """Deactivate (revoke) or re-activate an agent's access."""
    active = field(await request.form(), "active") == "1"
    agent_id = request.path_params["agent_id"]
    await act(request, set_agent_active, agent_id, active, actor=actor(request))
    return AGENTS.back(request)


@console_view(admin=True, refused=AGENTS.again())
async def agents_sign_out(request: Request) -> Response:
    """ "Sign out everywhere": revoke every session of an agent (sockets included)."""
    agent_id = request.path_params["agent_id"]
    count = await act(request, sign_out_everywhere, agent_id, actor=actor(request))
    return AGENTS.back(request, f"Signed out of {count} session{'s' if count != 1 else ''}.")


@console_view(admin=True, refused=TOKENS.again())
async def tokens_create(request: Request) -> Response:
    name = field(await request.form(), "name")
    token, key = await act(request, create_api_token, name, actor=actor(request))
    return await TOKENS.with_secret(request, key, token.name)


@console_view(admin=True, refused=TOKENS.again())
async def tokens_revoke(request: Request) -> Response:
    await act(request, revoke_api_token, request.path_params["token_id"], actor=actor(request))
    return TOKENS.back(request)


@console_view(admin=True, refused=STORES.again())
async def stores_create(request: Request) -> Response:
    form = await request.form()
    await act(
        request,
        create_store,
        field(form, "code"),
        field(form, "name"),
        address=field(form, "address") or None,
        timezone=field(form, "timezone") or "UTC",
        actor=actor(request),
    )
    return STORES.back(request)


@console_view(admin=True, refused=STORES.again())
async def terminals_create(request: Request) -> Response:
    form = await request.form()
    store, name, role = field(form, "store"), field(form, "name"), field(form, "role")
    terminal, key = await act(
        request, create_terminal, store, name, role=role or "associate", actor=actor(request)
    )
    return await STORES.with_secret(request, key, terminal.name)


@console_view(admin=True, refused=STORES.again())
async def terminals_revoke(request: Request) -> Response:
    terminal_id = request.path_params["terminal_id"]
    await act(request, revoke_terminal, terminal_id, actor=actor(request))
    return STORES.back(request)
