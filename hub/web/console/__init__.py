"""The agent web console: server-rendered pages plus ``static/console.js``.

``console_routes()`` is mounted by ``hub.app.create_app``. Every route except
``/login`` needs a signed-in agent (anonymous users are redirected to ``/login``),
every POST needs the session's CSRF token, and ``/admin/*`` (plus a customer's
data export and erasure) needs the admin role.
"""

from __future__ import annotations

from starlette.routing import BaseRoute, Route

from hub.web.console import (
    account,
    admin,
    audit,
    canned,
    commerce,
    forms,
    hours,
    inbox,
    login,
    order_actions,
    phone_menus,
    privacy,
    reports,
    subscriptions,
    thread,
)

GET = ["GET"]
POST = ["POST"]


def console_routes() -> list[BaseRoute]:
    """The console's routes."""
    customer = "/customers/{customer_id:int}"
    return [
        Route("/login", login.login_page, methods=GET),
        Route("/login", login.login_submit, methods=POST),
        Route("/logout", login.logout, methods=POST),
        Route("/", inbox.inbox_page, methods=GET),
        Route("/inbox.json", inbox.inbox_json, methods=GET),
        Route(customer, thread.thread_page, methods=GET),
        Route(f"{customer}/timeline.json", thread.timeline_json, methods=GET),
        Route(f"{customer}/stock", commerce.stock_panel, methods=GET),
        Route(
            f"{customer}/orders/{{order_id:int}}/actions", order_actions.actions_page, methods=GET
        ),
        Route(
            f"{customer}/orders/{{order_id:int}}/actions/{{kind}}",
            order_actions.perform,
            methods=POST,
        ),
        Route(f"{customer}/reply", forms.reply, methods=POST),
        Route(f"{customer}/note", forms.note, methods=POST),
        Route(f"{customer}/detail", forms.save_detail, methods=POST),
        Route(f"{customer}/assign", forms.assign_to_me, methods=POST),
        Route(f"{customer}/transfer", forms.transfer, methods=POST),
        Route(f"{customer}/resolve", forms.resolve, methods=POST),
        Route(f"{customer}/reopen", forms.reopen, methods=POST),
        Route(f"{customer}/read", forms.read, methods=POST),
        Route(f"{customer}/merge", forms.merge, methods=POST),
        Route(f"{customer}/details/{{detail_id:int}}/discard", forms.discard, methods=POST),
        Route("/merges/{merge_id:int}/unmerge", forms.unmerge, methods=POST),
        Route(f"{customer}/canned/{{canned_id:int}}.json", canned.canned_rendered, methods=GET),
        Route(f"{customer}/export", privacy.export_data, methods=POST),
        Route(f"{customer}/erase", privacy.erase_confirm, methods=GET),
        Route(f"{customer}/erase", privacy.erase_data, methods=POST),
        Route("/canned.json", canned.canned_search, methods=GET),
        Route("/reports", reports.reports_page, methods=GET),
        Route("/reports.csv", reports.reports_csv, methods=GET),
        Route("/audit", audit.audit_page, methods=GET),
        Route("/admin/agents", admin.agents_page, methods=GET),
        Route("/admin/agents", admin.agents_create, methods=POST),
        Route("/admin/agents/{agent_id:int}/active", admin.agents_toggle, methods=POST),
        Route("/admin/agents/{agent_id:int}/sessions/revoke", admin.agents_sign_out, methods=POST),
        Route("/account", account.account_page, methods=GET),
        Route("/account/password", account.change_password_submit, methods=POST),
        Route("/admin/tokens", admin.tokens_page, methods=GET),
        Route("/admin/tokens", admin.tokens_create, methods=POST),
        Route("/admin/tokens/{token_id:int}/revoke", admin.tokens_revoke, methods=POST),
        Route("/admin/stores", admin.stores_page, methods=GET),
        Route("/admin/stores", admin.stores_create, methods=POST),
        Route("/admin/terminals", admin.terminals_create, methods=POST),
        Route("/admin/terminals/{terminal_id:int}/revoke", admin.terminals_revoke, methods=POST),
        Route("/admin/canned", canned.canned_page, methods=GET),
        Route("/admin/canned", canned.canned_create, methods=POST),
        Route("/admin/canned/{canned_id:int}", canned.canned_update, methods=POST),
        Route("/admin/canned/{canned_id:int}/delete", canned.canned_delete, methods=POST),
        Route("/admin/hours", hours.hours_page, methods=GET),
        Route("/admin/hours", hours.hours_save, methods=POST),
        Route("/admin/phone", phone_menus.phone_menus_page, methods=GET),
        Route("/admin/phone", phone_menus.phone_menu_create, methods=POST),
        Route("/admin/phone/{menu_id:int}", phone_menus.phone_menu_update, methods=POST),
        Route("/admin/phone/{menu_id:int}/delete", phone_menus.phone_menu_delete, methods=POST),
        Route("/admin/webhooks", subscriptions.subscriptions_page, methods=GET),
        Route("/admin/webhooks", subscriptions.subscriptions_create, methods=POST),
        Route(
            "/admin/webhooks/{endpoint_id:int}/rotate",
            subscriptions.subscriptions_rotate,
            methods=POST,
        ),
        Route(
            "/admin/webhooks/{endpoint_id:int}/active",
            subscriptions.subscriptions_active,
            methods=POST,
        ),
        Route(
            "/admin/webhooks/{endpoint_id:int}/delete",
            subscriptions.subscriptions_delete,
            methods=POST,
        ),
        Route(
            "/admin/webhooks/deliveries/{delivery_id:int}/redeliver",
            subscriptions.subscriptions_redeliver,
            methods=POST,
        ),
    ]
