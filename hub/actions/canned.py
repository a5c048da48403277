"""Creating, editing and deleting canned responses (templates validated on save)."""

from __future__ import annotations

import re

from sqlalchemy import select

from hub.actions.audit import record_audit
from hub.core import UnitOfWork
from hub.errors import Conflict, Invalid, NotFound
from hub.models import CannedResponse
from hub.rules.canned import validate_template

_SHORTCUT = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
MAX_BODY = 4000


def _clean(shortcut: str, title: str, body: str) -> tuple[str, str, str]:
    shortcut = shortcut.strip().lstrip("/").lower()
    if not _SHORTCUT.match(shortcut):
        raise Invalid("a shortcut is 1-64 of a-z, 0-9, '-' and '_'", code="invalid_shortcut")
    title = title.strip()[:200]
    if not title:
        raise Invalid("a canned response needs a title", code="empty_title")
    body = body.strip()
    if not body:
        raise Invalid("a canned response needs a body", code="empty_body")
    if len(body) > MAX_BODY:
        raise Invalid(f"body longer than {MAX_BODY} characters", code="too_long")
    validate_template(body)
    return shortcut, title, body


async def _ensure_free(uow: UnitOfWork, shortcut: str, own_id: int | None = None) -> None:
    result = await uow.session.execute(
        select(CannedResponse.id).where(CannedResponse.shortcut == shortcut)
    )
    other = result.scalar_one_or_none()
    if other is not None and other != own_id:
        raise Conflict(f"the shortcut /{shortcut} is taken", code="shortcut_taken")


async def create_canned(
    uow: UnitOfWork, shortcut: str, title: str, body: str, *, agent_id: int | None = None
) -> CannedResponse:
    """Add a canned response; ``Invalid`` for a bad template, ``Conflict`` for a taken shortcut."""
    shortcut, title, body = _clean(shortcut, title, body)
    await _ensure_free(uow, shortcut)
    row = CannedResponse(shortcut=shortcut, title=title, body=body, created_by_id=agent_id)
    uow.session.add(row)
    await uow.session.flush()
    await record_audit(uow, _actor(agent_id), "canned.created", "canned", row.id)
    return row


async def update_canned(
    uow: UnitOfWork,
    canned_id: int,
    *,
    shortcut: str,
    title: str,
    body: str,
    agent_id: int | None = None,
) -> CannedResponse:
    row = await uow.session.get(CannedResponse, canned_id)
    if row is None:
        raise NotFound(f"canned response {canned_id} not found")
    shortcut, title, body = _clean(shortcut, title, body)
    await _ensure_free(uow, shortcut, row.id)
    row.shortcut, row.title, row.body = shortcut, title, body
    await uow.session.flush()
    await record_audit(uow, _actor(agent_id), "canned.updated", "canned", row.id)
    return row


async def delete_canned(uow: UnitOfWork, canned_id: int, *, agent_id: int | None = None) -> None:
    row = await uow.session.get(CannedResponse, canned_id)
    if row is None:
        raise NotFound(f"canned response {canned_id} not found")
    await uow.session.delete(row)
    await record_audit(uow, _actor(agent_id), "canned.deleted", "canned", canned_id)


def _actor(agent_id: int | None) -> str:
    return f"agent:{agent_id}" if agent_id is not None else "system"
