"""The OpenAPI 3.1 document, generated from the endpoint declarations.

Parameters, bodies and responses come from the same ``Endpoint`` and schema objects
that validate requests, so the document describes exactly what the API does.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from hub import __version__
from hub.web.api.endpoint import Endpoint
from hub.web.api.shapes import COMPONENTS

ERROR_DESCRIPTIONS = {
    400: "The body is not a JSON document",
    401: "Missing, unknown or revoked API token",
    404: "No such customer (or `customer_id` names none)",
    409: "Conflicting change",
    413: "The request body is over the size limit",
    422: "A parameter or field is invalid, or the request cannot be carried out",
    503: "The database is unavailable; retry later",
}


def build_openapi(endpoints: Sequence[Endpoint]) -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    for endpoint in endpoints:
        paths.setdefault(endpoint.path, {})[endpoint.method.lower()] = _operation(endpoint)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Omnichannel hub REST API",
            "version": __version__,
            "description": (
                "Customers, their one cross-channel timeline, orders and outbound "
                "messages. Authenticate with `Authorization: Bearer <token>` "
                "(`hub create-api-token NAME`). Errors are "
                '`{"error": {"code": "...", "message": "..."}}`.'
            ),
        },
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}],
        "paths": paths,
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {name: schema.json_schema() for name, schema in COMPONENTS.items()},
        },
    }


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"application/json": {"schema": schema}}


def _operation(endpoint: Endpoint) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "operationId": endpoint.operation_id,
        "summary": endpoint.summary,
        "tags": [endpoint.tag],
    }
    if endpoint.description:
        operation["description"] = endpoint.description
    if endpoint.public:
        operation["security"] = []
    if endpoint.params:
        operation["parameters"] = [p.openapi() for p in endpoint.params]
    if endpoint.body is not None:
        operation["requestBody"] = {
            "required": True,
            "content": _json(endpoint.body.schema.json_schema()),
        }
    responses: dict[str, Any] = {
        str(status): {"description": description, "content": _json(schema.json_schema())}
        for status, (description, schema) in sorted(endpoint.responses.items())
    }
    for status in endpoint.error_statuses():
        responses[str(status)] = {
            "description": ERROR_DESCRIPTIONS.get(status, "Error"),
            "content": _json({"$ref": "#/components/schemas/Error"}),
        }
    operation["responses"] = responses
    return operation
