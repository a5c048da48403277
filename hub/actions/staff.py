"""Agents, API tokens, stores and terminals."""

from __future__ import annotations

from typing import TypeVar

from sqlalchemy import select

from hub.actions.audit import record_audit
from hub.actions.sessions import revoke_agent_sessions
from hub.core import UnitOfWork
from hub.db import utcnow
from hub.errors import Conflict, Invalid, NotFound
from hub.identity import InvalidAddress, normalize_email
from hub.models import Agent, ApiToken, Store, Terminal
from hub.models.staff import AGENT_ROLES, TERMINAL_ROLES
from hub.security import hash_password, key_matches, new_key, split_key, verify_password

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
    if not active:  # signed out everywhere at once, sockets included
        await revoke_agent_sessions(uow, agent.id, actor=actor)
    return agent


async def change_password(
    uow: UnitOfWork, agent_id: int, current: str, new: str, *, keep_key: str
) -> None:
    """Set the agent's password after checking the current one (their row locked, so
    two changes at once do not both pass the check); every other session of the agent
    is revoked (the browser that changed it stays signed in)."""
    agent = await uow.session.get(Agent, agent_id, with_for_update=True)
    if agent is None:
        raise NotFound("no such agent")
    if not verify_password(agent.password_hash, current):
        raise Invalid("the current password is wrong", code="wrong_password")
    if len(new) < MIN_PASSWORD:
        raise Invalid(f"the new password needs at least {MIN_PASSWORD} characters")
    agent.password_hash = hash_password(new)
    await record_audit(uow, f"agent:{agent.id}", "agent.password_changed", "agent", agent.id)
    await revoke_agent_sessions(uow, agent.id, actor=f"agent:{agent.id}", keep_key=keep_key)


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
    return await _revoke(uow, ApiToken, token_id, actor=actor, what="api_token")


async def authenticate_api_token(uow: UnitOfWork, key: str) -> ApiToken | None:
    """The live token for ``key``, or None if unknown, malformed or revoked."""
    return await _by_key(uow, ApiToken, key)


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
    return await _revoke(uow, Terminal, terminal_id, actor=actor, what="terminal")


async def authenticate_terminal(uow: UnitOfWork, key: str) -> Terminal | None:
    """The terminal for ``key``, or None if unknown or revoked."""
    terminal = await _by_key(uow, Terminal, key)
    if terminal is not None:
        terminal.last_seen_at = utcnow()
    return terminal


Keyed = TypeVar("Keyed", ApiToken, Terminal)


async def _revoke(
    uow: UnitOfWork, model: type[Keyed], row_id: int, *, actor: str, what: str
) -> Keyed:
    """Revoke a key-holding row (idempotent: the first revocation time stays)."""
    row = await uow.session.get(model, row_id)
    if row is None:
        raise NotFound(f"{what.replace('_', ' ')} {row_id} not found")
    row.revoked_at = row.revoked_at or utcnow()
    await record_audit(uow, actor, f"{what}.revoked", what, row.id)
    return row


async def _by_key(uow: UnitOfWork, model: type[Keyed], key: str) -> Keyed | None:
    """The unrevoked row whose key is ``key``: found by the key's prefix, then checked
    against the stored hash in constant time."""
    prefix = split_key(key)
    if prefix is None:
        return None
    column = ApiToken.token_prefix if model is ApiToken else Terminal.key_prefix
    row = (await uow.session.execute(select(model).where(column == prefix))).scalar_one_or_none()
    if row is None or row.revoked_at is not None:
        return None
    stored = row.token_hash if isinstance(row, ApiToken) else row.key_hash
    return row if key_matches(key, stored) else None
