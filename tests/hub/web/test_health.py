"""/healthz and the middleware every response goes through."""

from __future__ import annotations

from pathlib import Path

import httpx

from hub.app import create_app
from tests.conftest import make_settings, running_app


async def test_healthz_ok(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "default-src 'self'" in response.headers["content-security-policy"]
    assert response.headers["x-request-id"]


async def test_healthz_503_when_database_unreachable(tmp_path: Path) -> None:
    settings = make_settings(
        "postgresql+asyncpg://nobody@127.0.0.1:1/none", tmp_path, outbox_enabled=False
    )
    app = create_app(settings)
    async with running_app(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            response = await c.get("/healthz")
    assert response.status_code == 503
