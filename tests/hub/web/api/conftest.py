"""Fixtures for the REST API: an API token, an authenticated client, schema checks."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

import httpx
import pytest

from hub.actions.staff import create_api_token
from hub.app import create_app
from hub.core import Hub
from hub.settings import Settings
from hub.web.api import openapi_document
from tests.conftest import running_app


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[Any]:
    """The app without its outbox worker: these tests check what the API commits (a
    queued reply stays ``pending``), not what a connector later delivers."""
    application = create_app(settings, run_outbox=False)
    async with running_app(application):
        yield application


@pytest.fixture
def api_hub(app: Any) -> Hub:
    return app.state.hub  # type: ignore[no-any-return]


@pytest.fixture
async def token(api_hub: Hub) -> str:
    async with api_hub.uow() as uow:
        _, key = await create_api_token(uow, "tests")
    return key


@pytest.fixture
async def api(app: Any, token: str) -> AsyncIterator[httpx.AsyncClient]:
    """A client of ``/api/v1`` carrying a valid bearer token."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport,
        base_url="http://testserver/api/v1",
        headers={"Authorization": f"Bearer {token}"},
    ) as c:
        yield c


def assert_error(response: httpx.Response, status: int, code: str | None = None) -> str:
    """The response is ``{"error": {"code", "message"}}`` with ``status``; returns the message."""
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"}
    assert isinstance(body["error"]["code"], str) and body["error"]["code"]
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    if code is not None:
        assert body["error"]["code"] == code, body
    message: str = body["error"]["message"]
    return message


def conforms(value: Any, schema: dict[str, Any], path: str = "$") -> None:
    """Check ``value`` against the subset of JSON Schema the OpenAPI document uses."""
    doc = openapi_document()
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        conforms(value, doc["components"]["schemas"][name], path)
        return
    if "anyOf" in schema:
        errors = []
        for option in schema["anyOf"]:
            try:
                conforms(value, option, path)
                return
            except AssertionError as exc:
                errors.append(str(exc))
        raise AssertionError(f"{path}: matches no option: {errors}")
    types = schema.get("type")
    if types is not None:
        allowed = types if isinstance(types, list) else [types]
        checks = {
            "null": value is None,
            "string": isinstance(value, str),
            "integer": isinstance(value, int) and not isinstance(value, bool),
            "boolean": isinstance(value, bool),
            "array": isinstance(value, list),
            "object": isinstance(value, dict),
        }
        assert any(checks[t] for t in allowed), f"{path}: {value!r} is not {allowed}"
    if "enum" in schema:
        assert value in schema["enum"], f"{path}: {value!r} not in {schema['enum']}"
    if isinstance(value, str):
        if schema.get("format") == "date-time":
            datetime.fromisoformat(value.replace("Z", "+00:00"))
        if "pattern" in schema:
            assert re.search(schema["pattern"], value), f"{path}: {value!r}"
        assert len(value) <= schema.get("maxLength", len(value)), path
    if isinstance(value, dict):
        for name in schema.get("required", []):
            assert name in value, f"{path}: missing {name}"
        for name, sub in schema.get("properties", {}).items():
            if name in value:
                conforms(value[name], sub, f"{path}.{name}")
        if schema.get("additionalProperties") is False:
            extra = set(value) - set(schema.get("properties", {}))
            assert not extra, f"{path}: unexpected {extra}"
    if isinstance(value, list) and "items" in schema:
        for i, item in enumerate(value):
            conforms(item, schema["items"], f"{path}[{i}]")


def conforms_to_doc(response: httpx.Response, path: str, method: str = "get") -> None:
    """The response matches what openapi.json documents for this operation and status."""
    operation = openapi_document()["paths"][path][method]
    documented = operation["responses"]
    assert str(response.status_code) in documented, (path, response.status_code)
    schema = documented[str(response.status_code)]["content"]["application/json"]["schema"]
    conforms(response.json(), schema)
