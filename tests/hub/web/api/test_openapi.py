"""GET /api/v1/openapi.json describes every route the API serves."""

from __future__ import annotations

import re
from typing import Any

import httpx
from starlette.routing import Route

from hub.web.api import api_routes


async def test_document_lists_every_route(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    doc = response.json()
    assert doc["openapi"] == "3.1.0"
    assert doc["servers"] == [{"url": "/api/v1"}]
    served = {
        (method.lower(), route.path)
        for route in api_routes()
        if isinstance(route, Route)
        for method in route.methods or ()
        if method != "HEAD"
    }
    documented = {(m, p) for p, ops in doc["paths"].items() for m in ops}
    assert served == documented
    for path in [
        "/customers",
        "/customers/{customer_id}",
        "/customers/{customer_id}/timeline",
        "/customers/{customer_id}/messages",
        "/orders",
        "/openapi.json",
    ]:
        assert path in doc["paths"]


def refs(node: Any) -> set[str]:
    if isinstance(node, dict):
        found = {node["$ref"]} if isinstance(node.get("$ref"), str) else set()
        for value in node.values():
            found |= refs(value)
        return found
    if isinstance(node, list):
        return set().union(*(refs(v) for v in node)) if node else set()
    return set()


async def test_document_is_consistent(client: httpx.AsyncClient) -> None:
    doc = (await client.get("/api/v1/openapi.json")).json()
    schemas = doc["components"]["schemas"]
    for ref in refs(doc):
        assert ref.startswith("#/components/schemas/") and ref.rsplit("/", 1)[1] in schemas
    operation_ids = []
    for path, operations in doc["paths"].items():
        placeholders = set(re.findall(r"{(\w+)}", path))
        for method, op in operations.items():
            operation_ids.append(op["operationId"])
            params = op.get("parameters", [])
            assert {p["name"] for p in params if p["in"] == "path"} == placeholders
            assert all(p["required"] for p in params if p["in"] == "path")
            assert op["responses"], (method, path)
            for status, answer in op["responses"].items():
                assert re.fullmatch(r"[1-5]\d\d", status)
                assert answer["description"]
                assert "schema" in answer["content"]["application/json"]
                if status.startswith("4") or status.startswith("5"):
                    assert answer["content"]["application/json"]["schema"] == {
                        "$ref": "#/components/schemas/Error"
                    }
            if op.get("security") != []:
                assert "401" in op["responses"]
            if "requestBody" in op:
                assert {"400", "413", "422"} <= set(op["responses"])
    assert len(operation_ids) == len(set(operation_ids))
    assert doc["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
