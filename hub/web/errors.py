"""Turning errors into the JSON error shape ``{"error": {"code", "message"}}``."""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from hub.errors import HubError


def error_response(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status)


async def hub_error_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HubError)
    return error_response(exc.status, exc.code, exc.message)


async def http_error_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    codes = {
        400: "bad_request",
        401: "unauthorized",
        403: "forbidden",
        404: "not_found",
        405: "method_not_allowed",
        409: "conflict",
        413: "too_large",
        422: "invalid",
        429: "rate_limited",
        503: "unavailable",
    }
    return error_response(exc.status_code, codes.get(exc.status_code, "error"), str(exc.detail))


async def database_error_handler(request: Request, exc: Exception) -> Response:
    """The database is down or refused: 503 so Twilio and terminals retry later.

    Also registered for ``ConnectionError``: while PostgreSQL restarts, asyncpg's
    connect raises ``ConnectionRefusedError``/``ConnectionResetError``, which SQLAlchemy
    does not wrap in ``DBAPIError`` (found by ``tests/reliability/test_pg_restart.py``).
    """
    return error_response(503, "unavailable", "the database is unavailable; retry later")
