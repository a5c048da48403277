"""Recording who did what."""

from __future__ import annotations

from typing import Any

from hub.core import UnitOfWork
from hub.models import AuditEntry


async def record_audit(
    uow: UnitOfWork,
    actor: str,
    action: str,
    target_type: str | None = None,
    target_id: int | None = None,
    data: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append an audit entry in the caller's transaction. Never put secrets in ``data``."""
    entry = AuditEntry(
        actor=actor, action=action, target_type=target_type, target_id=target_id, data=data or {}
    )
    uow.session.add(entry)
    await uow.session.flush()
    return entry
