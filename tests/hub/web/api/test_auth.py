"""Bearer-token authentication: 401 without, with a wrong or a revoked token."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from hub.actions.staff import revoke_api_token
from hub.core import Hub
from hub.models import ApiToken
from tests.hub.web.api.conftest import assert_error


@pytest.mark.parametrize(
    "header",
    [
        None,
        "Bearer",
        "Bearer hub_000000000000_not-the-right-secret",
        "Basic dXNlcjpwYXNz",
        "Bearer not a token",
    ],
)
async def test_401_without_or_with_a_wrong_token(
    client: httpx.AsyncClient, token: str, header: str | None
) -> None:
    headers = {"Authorization": header} if header else {}
    response = await client.get("/api/v1/customers?q=x", headers=headers)
    message = assert_error(response, 401, "unauthorized")
    assert "token" in message
    assert response.headers["www-authenticate"].startswith("Bearer")


async def test_401_with_a_right_prefix_but_wrong_secret(
    client: httpx.AsyncClient, token: str
) -> None:
    forged = token[: token.rindex("_") + 1] + "x" * 43
    response = await client.get(
        "/api/v1/customers?q=x", headers={"Authorization": f"Bearer {forged}"}
    )
    assert_error(response, 401, "unauthorized")


async def test_revoked_token_is_refused(api: httpx.AsyncClient, api_hub: Hub) -> None:
    assert (await api.get("/customers?q=x")).status_code == 200
    async with api_hub.uow() as uow:
        stored = (await uow.session.execute(select(ApiToken))).scalar_one()
        await revoke_api_token(uow, stored.id, actor="test")
    assert_error(await api.get("/customers?q=x"), 401, "unauthorized")


async def test_last_used_at_is_written_at_most_once_a_minute(
    api: httpx.AsyncClient, api_hub: Hub
) -> None:
    async def last_used() -> Any:
        async with api_hub.read() as session:
            return (await session.execute(select(ApiToken.last_used_at))).scalar_one()

    assert await last_used() is None
    await api.get("/customers?q=x")
    first = await last_used()
    assert first is not None
    await api.get("/customers?q=x")
    assert await last_used() == first
    async with api_hub.uow() as uow:
        stored = (await uow.session.execute(select(ApiToken))).scalar_one()
        stored.last_used_at = first - timedelta(minutes=2)
    await api.get("/customers?q=x")
    assert await last_used() > first - timedelta(seconds=1)


async def test_openapi_document_needs_no_token(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.json()["openapi"].startswith("3.1")
