"""The REST API under ``/api/v1`` (CONTRACT.md), mounted by ``hub.app.create_app``.

Every endpoint is declared once (``hub.web.api.endpoint.Endpoint``); the routes and
the OpenAPI document at ``/api/v1/openapi.json`` are both built from those
declarations. See ``docs/api.md``.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from starlette.routing import BaseRoute

from hub.web.api import customers, orders, stock, threads
from hub.web.api.endpoint import Call, Endpoint, Reply
from hub.web.api.openapi import build_openapi
from hub.web.api.schema import Obj


@cache
def openapi_document() -> dict[str, Any]:
    return build_openapi(all_endpoints())


async def openapi(call: Call) -> Reply:
    return Reply(openapi_document())


def all_endpoints() -> list[Endpoint]:
    """Every endpoint of the API, in the order they are documented."""
    return [
        *customers.endpoints(),
        *threads.endpoints(),
        *orders.endpoints(),
        *stock.endpoints(),
        Endpoint(
            "GET",
            "/openapi.json",
            openapi,
            operation_id="getOpenApi",
            summary="This document",
            tag="meta",
            public=True,
            responses={200: ("The OpenAPI 3.1 document", Obj({}, extra=True))},
        ),
    ]


def api_routes() -> list[BaseRoute]:
    """The API's routes, to mount at ``/api/v1``."""
    return [endpoint.as_route() for endpoint in all_endpoints()]
