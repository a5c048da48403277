"""The servers the HTTP benchmarks compare, all run by ``serve`` with one uvicorn setup.

- ``hub``: the hub itself (``create_app``), configured from ``HUB_*`` variables.
- ``naive``: the bare stack — a Starlette endpoint that validates the Twilio signature
  with ``RequestValidator`` and INSERTs one row in its own transaction, on the same
  engine setup as the hub (``hub.db.create_engine``: WAL and ``BEGIN IMMEDIATE`` on
  SQLite, the same pool on PostgreSQL).
- ``ceiling``: the HTTP-only ceiling — the signature check and nothing else.

``python -m bench._servers KIND --port P [--workers N]`` runs one in its own process.
"""

from __future__ import annotations

import argparse
import os
import resource
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import uvicorn
from sqlalchemy import Column, DateTime, Integer, MetaData, String, Table, Text, insert
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from twilio.request_validator import RequestValidator

from hub.db import create_engine, utcnow

EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response />'
APPS = {
    "hub": "hub.asgi:app",
    "naive": "bench._servers:naive_app",
    "ceiling": "bench._servers:ceiling_app",
}

metadata = MetaData()
messages = Table(
    "bench_messages",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("sid", String(64), unique=True, nullable=False),
    Column("sender", String(32), nullable=False),
    Column("body", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)


def _validator() -> tuple[RequestValidator, str]:
    token = os.environ["TWILIO_AUTH_TOKEN"]
    url = os.environ["HUB_PUBLIC_URL"].rstrip("/") + "/twilio/sms"
    return RequestValidator(token), url


async def _verified(request: Request, validator: RequestValidator, url: str) -> dict[str, str]:
    form = await request.form()
    params = {key: str(value) for key, value in form.multi_items()}
    if not validator.validate(url, params, request.headers.get("x-twilio-signature", "")):
        raise PermissionError("bad signature")
    return params


def build_ceiling() -> Starlette:
    validator, url = _validator()

    async def sms(request: Request) -> Response:
        try:
            await _verified(request, validator, url)
        except PermissionError:
            return Response(status_code=403)
        return Response(EMPTY_TWIML, media_type="text/xml")

    return Starlette(routes=[Route("/twilio/sms", sms, methods=["POST"])])


def build_naive() -> Starlette:
    validator, url = _validator()
    engine = create_engine(os.environ["HUB_DATABASE_URL"])

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with engine.begin() as conn:
            await conn.run_sync(metadata.create_all)
        yield
        await engine.dispose()

    async def sms(request: Request) -> Response:
        try:
            params = await _verified(request, validator, url)
        except PermissionError:
            return Response(status_code=403)
        async with engine.begin() as conn:
            await conn.execute(
                insert(messages).values(
                    sid=params["MessageSid"],
                    sender=params["From"],
                    body=params.get("Body", ""),
                    created_at=utcnow(),
                )
            )
        return Response(EMPTY_TWIML, media_type="text/xml")

    return Starlette(routes=[Route("/twilio/sms", sms, methods=["POST"])], lifespan=lifespan)


def __getattr__(name: str) -> Starlette:
    # Built on import by uvicorn's worker processes, never at module import time.
    if name == "naive_app":
        return build_naive()
    if name == "ceiling_app":
        return build_ceiling()
    raise AttributeError(name)


def raise_nofile() -> None:
    """Allow as many open sockets as the hard limit permits."""
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def serve(kind: str, port: int, workers: int = 1) -> None:
    """Run server ``kind`` on loopback with the settings every benchmark shares: uvicorn's
    defaults (uvloop, httptools), no access log, sans-I/O websockets."""
    raise_nofile()
    uvicorn.run(
        APPS[kind],
        host="127.0.0.1",
        port=port,
        workers=workers,
        log_level="warning",
        access_log=False,
        ws="websockets-sansio",
        backlog=4096,
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("kind", choices=sorted(APPS))
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    serve(args.kind, args.port, args.workers)


if __name__ == "__main__":
    main()
