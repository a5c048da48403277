"""Declaring a REST endpoint once: the route, its inputs, its answers and its docs.

An ``Endpoint`` names its parameters, body and responses with ``hub.web.api.schema``
declarations. ``as_route`` turns it into a Starlette route that authenticates the
bearer token, parses and validates every input (4xx with a message naming the
field) and hands the handler a typed ``Call``; ``hub.web.api.openapi`` renders the
same declarations as the OpenAPI document.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from hub.core import Hub
from hub.errors import HubError
from hub.models import ApiToken
from hub.web.api.auth import authenticate
from hub.web.api.schema import Body, Param, Schema


@dataclass
class Call:
    """What a handler gets: the hub, the caller's token and the validated inputs."""

    request: Request
    hub: Hub
    token: ApiToken | None
    params: dict[str, Any]
    body: dict[str, Any]

    @property
    def actor(self) -> str:
        """The audit actor for this call, e.g. ``api:4``."""
        return f"api:{self.token.id}" if self.token is not None else "api"


@dataclass
class Reply:
    data: dict[str, Any]
    status: int = 200


Handler = Callable[[Call], Awaitable[Reply]]


@dataclass
class Endpoint:
    """One operation. ``responses`` maps success statuses to (description, schema);
    ``errors`` lists the error statuses the handler itself may answer (auth, body,
    validation and database errors are added from the declaration)."""

    method: str
    path: str
    handler: Handler
    operation_id: str
    summary: str
    tag: str
    responses: dict[int, tuple[str, Schema]]
    params: Sequence[Param] = ()
    body: Body | None = None
    errors: Sequence[int] = ()
    public: bool = False
    description: str = ""

    def error_statuses(self) -> list[int]:
        statuses = set(self.errors)
        if not self.public:
            statuses.add(401)
        if self.params:
            statuses.add(422)
        if any(p.location == "path" for p in self.params):
            statuses.add(404)
        if self.body is not None:
            statuses.update((400, 413, 422))
        if not self.public:
            statuses.add(503)
        return sorted(statuses)

    def as_route(self) -> Route:
        async def endpoint(request: Request) -> Response:
            hub: Hub = request.app.state.hub
            token = None
            if not self.public:
                token = await authenticate(hub, request.headers.get("authorization"))
                if token is None:
                    return _unauthorized()
            try:
                params = self._parse_params(request)
                body = await self._parse_body(request)
                reply = await self.handler(Call(request, hub, token, params, body))
            except HubError as exc:
                return JSONResponse(
                    {"error": {"code": exc.code, "message": exc.message}}, status_code=exc.status
                )
            return JSONResponse(reply.data, status_code=reply.status)

        return Route(self.path, endpoint, methods=[self.method], name=self.operation_id)

    def _parse_params(self, request: Request) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for param in self.params:
            source = request.path_params if param.location == "path" else request.query_params
            values[param.name] = param.parse(source.get(param.name))
        return values

    async def _parse_body(self, request: Request) -> dict[str, Any]:
        if self.body is None:
            return {}
        raw = await request.body()
        if not raw.strip():
            raise HubError("a JSON object body is required", code="invalid_json", status=400)
        try:
            value = json.loads(raw)
        except (ValueError, RecursionError) as exc:
            raise HubError(
                "the request body is not valid JSON", code="invalid_json", status=400
            ) from exc
        cleaned: dict[str, Any] = self.body.schema.validate(value)
        return cleaned


def _unauthorized() -> Response:
    return JSONResponse(
        {
            "error": {
                "code": "unauthorized",
                "message": "missing, unknown or revoked API token (Authorization: Bearer <token>)",
            }
        },
        status_code=401,
        headers={"www-authenticate": 'Bearer realm="hub"'},
    )
