"""The audit view: who did what, and every merge with a button to undo it."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import aliased
from starlette.requests import Request
from starlette.responses import Response

from hub.models import AuditEntry, Customer, Merge
from hub.web.console.auth import console_view, hub_of
from hub.web.console.render import render

AUDIT_SHOWN = 200
MERGES_SHOWN = 100


@console_view()
async def audit_page(request: Request) -> Response:
    source, target = aliased(Customer), aliased(Customer)
    async with hub_of(request).read() as db:
        entries = list(
            (
                await db.execute(
                    select(AuditEntry).order_by(AuditEntry.id.desc()).limit(AUDIT_SHOWN)
                )
            ).scalars()
        )
        merges = list(
            await db.execute(
                select(Merge, source.name, target.name)
                .join(source, source.id == Merge.source_customer_id)
                .join(target, target.id == Merge.target_customer_id)
                .order_by(Merge.id.desc())
                .limit(MERGES_SHOWN)
            )
        )
    return render(request, "audit.html", {"entries": entries, "merges": merges})
