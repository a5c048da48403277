"""Agents, API tokens, stores and terminals."""

from __future__ import annotations

from sqlalchemy import select

from hub.actions.audit import record_audit
from hub.core import UnitOfWork
from hub.db import utcnow
from hub.errors import Conflict, Invalid, NotFound
from hub.identity import InvalidAddress, normalize_email
from hub.models import Agent, ApiToken, Store, Terminal
from hub.models.staff import AGENT_ROLES, TERMINAL_ROLES
from hub.security import hash_password, key_matches, new_key, split_key

MIN_PASSWORD = 8


async def create_agent(
    uow: UnitOfWork,
    email: str,
    name: str,
    password: str,
    *,
    role: str = "agent",
    actor: str = "cli",
) -> Agent:
    """A console user with an argon2-hashed password."""
    try:
        email = normalize_email(email)
    except InvalidAddress as exc:
        raise Invalid(str(exc)) from exc
    if role not in AGENT_ROLES:
        raise Invalid(f"role must be one of {', '.join(AGENT_ROLES)}")
    if len(password) < MIN_PASSWORD:
        raise Invalid(f"password must have at least {MIN_PASSWORD} characters")
    if not name.strip():
        raise Invalid("an agent needs a name")
    existing = await uow.session.execute(select(Agent).where(Agent.email == email))
    if existing.scalar_one_or_none() is not None:
        raise Conflict(f"an agent with email {email} already exists")
    agent = Agent(email=email, name=name.strip(), role=role, password_hash=hash_password(password))
    uow.session.add(agent)
    await uow.session.flush()
    await record_audit(
        uow, actor, "agent.created", "agent", agent.id, {"email": email, "role": role}
    )
    return agent


async def set_agent_active(uow: UnitOfWork, agent_id: int, active: bool, *, actor: str) -> Agent:
    agent = await uow.session.get(Agent, agent_id)
    if agent is None:
        raise NotFound(f"agent {agent_id} not found")
    agent.is_active = active
    await record_audit(
        uow, actor, "agent.activated" if active else "agent.deactivated", "agent", agent.id
    )
    return agent


async def create_api_token(
    uow: UnitOfWork, name: str, *, actor: str = "cli"
) -> tuple[ApiToken, str]:
    """A new REST API token; the clear token is returned once and only its hash is kept."""
    if not name.strip():
        raise Invalid("a token needs a name")
    key, prefix, digest = new_key("hub")
    token = ApiToken(name=name.strip(), token_prefix=prefix, token_hash=digest)
    uow.session.add(token)
    await uow.session.flush()
    await record_audit(uow, actor, "api_token.created", "api_token", token.id, {"name": token.name})
    return token, key


async def revoke_api_token(uow: UnitOfWork, token_id: int, *, actor: str) -> ApiToken:
    token = await uow.session.get(ApiToken, token_id)
    if token is None:
        raise NotFound(f"token {token_id} not found")
    token.revoked_at = token.revoked_at or utcnow()
    await record_audit(uow, actor, "api_token.revoked", "api_token", token.id)
    return token


async def authenticate_api_token(uow: UnitOfWork, key: str) -> ApiToken | None:
    prefix = split_key(key)
    if prefix is None:
        return None
    result = await uow.session.execute(select(ApiToken).where(ApiToken.token_prefix == prefix))
    token = result.scalar_one_or_none()
    if token is None or token.revoked_at is not None or not key_matches(key, token.token_hash):
        return None
    return token


async def create_store(
    uow: UnitOfWork,
    code: str,
    name: str,
    *,
    address: str | None = None,
    timezone: str = "UTC",
    actor: str = "cli",
) -> Store:
    code = code.strip().upper()
    if not code or len(code) > 32:
        raise Invalid("a store code is 1 to 32 characters")
    existing = await uow.session.execute(select(Store).where(Store.code == code))
    if existing.scalar_one_or_none() is not None:
        raise Conflict(f"store {code} already exists")
    store = Store(code=code, name=name.strip() or code, address=address, timezone=timezone)
    uow.session.add(store)
    await uow.session.flush()
    await record_audit(uow, actor, "store.created", "store", store.id, {"code": code})
    return store


async def get_or_create_store(uow: UnitOfWork, code: str, *, actor: str = "cli") -> Store:
    result = await uow.session.execute(select(Store).where(Store.code == code.strip().upper()))
    store = result.scalar_one_or_none()
    return store or await create_store(uow, code, code, actor=actor)


async def create_terminal(
    uow: UnitOfWork, store_code: str, name: str, *, role: str = "associate", actor: str = "cli"
) -> tuple[Terminal, str]:
    """Register an in-store terminal; returns it and its key (shown once, stored hashed)."""
    if role not in TERMINAL_ROLES:
        raise Invalid(f"role must be one of {', '.join(TERMINAL_ROLES)}")
    if not name.strip():
        raise Invalid("a terminal needs a name")
    store = await get_or_create_store(uow, store_code, actor=actor)
    key, prefix, digest = new_key("term")
    terminal = Terminal(
        store_id=store.id, name=name.strip(), role=role, key_prefix=prefix, key_hash=digest
    )
    uow.session.add(terminal)
    await uow.session.flush()
    await record_audit(
        uow, actor, "terminal.created", "terminal", terminal.id, {"store": store.code, "role": role}
    )
    return terminal, key


async def revoke_terminal(uow: UnitOfWork, terminal_id: int, *, actor: str) -> Terminal:
    terminal = await uow.session.get(Terminal, terminal_id)
    if terminal is None:
        raise NotFound(f"terminal {terminal_id} not found")
    terminal.revoked_at = terminal.revoked_at or utcnow()
    await record_audit(uow, actor, "terminal.revoked", "terminal", terminal.id)
    return terminal


async def authenticate_terminal(uow: UnitOfWork, key: str) -> Terminal | None:
    """The terminal for ``key``, or None if unknown or revoked."""
    prefix = split_key(key)
    if prefix is None:
        return None
    result = await uow.session.execute(select(Terminal).where(Terminal.key_prefix == prefix))
    terminal = result.scalar_one_or_none()
    if (
        terminal is None
        or terminal.revoked_at is not None
        or not key_matches(key, terminal.key_hash)
    ):
        return None
    terminal.last_seen_at = utcnow()
    return terminal
