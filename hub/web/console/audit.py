"""The audit view: who did what, and every merge with a button to undo it."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from hub.queries.audit import recent_audit, recent_merges
from hub.web.console.auth import console_view, hub_of
from hub.web.console.render import render

AUDIT_SHOWN = 200
MERGES_SHOWN = 100


@console_view()
async def audit_page(request: Request) -> Response:
    async with hub_of(request).read() as db:
        entries = await recent_audit(db, AUDIT_SHOWN)
        merges = await recent_merges(db, MERGES_SHOWN)
    return render(request, "audit.html", {"entries": entries, "merges": merges})
