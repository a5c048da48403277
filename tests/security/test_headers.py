"""Security headers on every page and error, the widget's assets, HSTS under https."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from hub.app import create_app
from hub.settings import Settings
from tests.conftest import make_settings, running_app
from tests.hub.web.console.conftest import SignedIn
from tests.security.conftest import app_routes, concrete

BASELINE = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "strict-origin-when-cross-origin",
}


def assert_hardened(response: httpx.Response, what: str) -> None:
    for name, value in BASELINE.items():
        assert response.headers.get(name) == value, (what, name)
    csp = response.headers.get("content-security-policy", "")
    assert "frame-ancestors 'none'" in csp, (what, csp)
    assert "default-src 'self'" in csp and "object-src 'none'" in csp, (what, csp)
    assert "'unsafe-eval'" not in csp and "script-src 'self'" in csp, (what, csp)
    assert "x-request-id" in response.headers, what


async def test_every_get_route_and_error_carries_the_headers(
    app: Any, client: httpx.AsyncClient, admin: SignedIn
) -> None:
    gets = [concrete(path) for method, path in app_routes(app) if method == "GET"]
    assert len(gets) > 10
    for path in gets:
        for who, http in (("admin", admin.client), ("anonymous", client)):
            response = await http.get(path)
            assert_hardened(response, f"{who} GET {path} {response.status_code}")
            assert "strict-transport-security" not in response.headers
    for method, path in [
        ("GET", "/no/such/page"),
        ("POST", "/twilio/sms"),
        ("POST", "/api/v1/orders"),
        ("DELETE", "/login"),
        ("GET", "/static/../hub/settings.py"),
    ]:
        response = await client.request(method, path)
        assert response.status_code >= 400
        assert_hardened(response, f"{method} {path}")


async def test_widget_assets_and_the_demo_shop(client: httpx.AsyncClient) -> None:
    """The widget is a script the shop's page loads (never framed): served as
    JavaScript under ``nosniff``. The demo shop page sets its own CSP, still not
    frameable."""
    script = await client.get("/static/widget.js")
    assert script.status_code == 200
    assert "javascript" in script.headers["content-type"]
    assert_hardened(script, "widget.js")
    shop = await client.get("/demo/shop")
    assert shop.status_code == 200
    assert "frame-ancestors 'none'" in shop.headers["content-security-policy"]
    assert "/static/widget.js" in shop.text


@pytest.mark.parametrize("path", ["/login", "/healthz", "/static/console.js", "/nowhere"])
async def test_hsts_when_the_public_url_is_https(
    sqlite_url: str, tmp_path: Path, path: str
) -> None:
    settings = make_settings(sqlite_url, tmp_path, public_url="https://support.example.com")
    application = create_app(settings, run_outbox=False)
    async with running_app(application):
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="https://testserver") as c:
            response = await c.get(path)
    assert response.headers["strict-transport-security"].startswith("max-age=")
    assert int(response.headers["strict-transport-security"].split("=")[1]) >= 15552000


def test_https_public_url_makes_the_session_cookie_secure() -> None:
    env = {"HUB_PUBLIC_URL": "https://support.example.com", "HUB_SECRET_KEY": "k" * 40}
    assert Settings.from_env(env).session_cookie_secure
    assert not Settings.from_env(
        {**env, "HUB_PUBLIC_URL": "http://127.0.0.1:8000"}
    ).session_cookie_secure
