"""The agent web console: server-rendered pages plus ``static/console.js``.

``console_routes()`` is mounted by ``hub.app.create_app``. Every route except
``/login`` needs a signed-in agent (anonymous users are redirected to ``/login``),
every POST needs the session's CSRF token, and ``/admin/*`` needs the admin role.
"""

from __future__ import annotations

from functools import partial

from starlette.routing import BaseRoute, Route

from hub.web.console import admin, audit, forms, inbox, login, thread
from hub.web.console.auth import LoginLimiter

GET = ["GET"]
POST = ["POST"]


def console_routes() -> list[BaseRoute]:
    """The console's routes; each call gets its own per-IP sign-in limiter."""
    limiter = LoginLimiter()
    customer = "/customers/{customer_id:int}"
    return [
        Route("/login", login.login_page, methods=GET),
        Route("/login", partial(login.login_submit, limiter=limiter), methods=POST),
        Route("/logout", login.logout, methods=POST),
        Route("/", inbox.inbox_page, methods=GET),
        Route("/inbox.json", inbox.inbox_json, methods=GET),
        Route(customer, thread.thread_page, methods=GET),
        Route(f"{customer}/timeline.json", thread.timeline_json, methods=GET),
        Route(f"{customer}/reply", forms.reply, methods=POST),
        Route(f"{customer}/note", forms.note, methods=POST),
        Route(f"{customer}/detail", forms.save_detail, methods=POST),
        Route(f"{customer}/assign", forms.assign_to_me, methods=POST),
        Route(f"{customer}/transfer", forms.transfer, methods=POST),
        Route(f"{customer}/resolve", forms.resolve, methods=POST),
        Route(f"{customer}/reopen", forms.reopen, methods=POST),
        Route(f"{customer}/read", forms.read, methods=POST),
        Route(f"{customer}/merge", forms.merge, methods=POST),
        Route("/merges/{merge_id:int}/unmerge", forms.unmerge, methods=POST),
        Route("/audit", audit.audit_page, methods=GET),
        Route("/admin/agents", admin.agents_page, methods=GET),
        Route("/admin/agents", admin.agents_create, methods=POST),
        Route("/admin/agents/{agent_id:int}/active", admin.agents_toggle, methods=POST),
        Route("/admin/tokens", admin.tokens_page, methods=GET),
        Route("/admin/tokens", admin.tokens_create, methods=POST),
        Route("/admin/tokens/{token_id:int}/revoke", admin.tokens_revoke, methods=POST),
        Route("/admin/stores", admin.stores_page, methods=GET),
        Route("/admin/stores", admin.stores_create, methods=POST),
        Route("/admin/terminals", admin.terminals_create, methods=POST),
        Route("/admin/terminals/{terminal_id:int}/revoke", admin.terminals_revoke, methods=POST),
    ]
