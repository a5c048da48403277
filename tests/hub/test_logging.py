"""Structured logs: secrets are masked, and lines logged inside a request carry its id."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from hub.logging import (
    JsonFormatter,
    RedactSecrets,
    RequestIdFilter,
    TextFormatter,
    configure_logging,
    redact,
    settings_secrets,
)
from hub.security import new_key
from hub.settings import Settings
from hub.web.middleware import SecurityHeadersMiddleware

SECRET_KEY = "s3cr3t-key-" + "k" * 30
TWILIO_TOKEN = "twilio-token-0123456789abcdef"


@pytest.fixture
def capture() -> Iterator[tuple[logging.Logger, io.StringIO]]:
    """A logger writing JSON lines, through the hub's filters, into a buffer."""
    settings = Settings(secret_key=SECRET_KEY, twilio_auth_token=TWILIO_TOKEN, log_format="json")
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestIdFilter())
    secrets = settings_secrets(settings)
    handler.addFilter(RedactSecrets(secrets))
    handler.setFormatter(JsonFormatter(secrets))
    logger = logging.getLogger("tests.hub.logging")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    try:
        yield logger, stream
    finally:
        logger.removeHandler(handler)
        logger.propagate = True


def lines(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_tokens_keys_and_passwords_are_masked(capture: tuple[logging.Logger, io.StringIO]) -> None:
    logger, stream = capture
    api_token, api_prefix, _ = new_key("hub")
    terminal_key, terminal_prefix, _ = new_key("term")
    logger.info("token %s used by terminal %s", api_token, terminal_key)
    logger.info("login failed: password=hunter22 for ada@example.com")
    logger.warning("headers %s", [(b"x-twilio-signature", b"c2lnbmF0dXJl"), (b"host", b"a")])
    logger.info("request with Authorization: Bearer abc.def.ghi")
    logger.info("config %s / %s", SECRET_KEY, f"TWILIO_AUTH_TOKEN={TWILIO_TOKEN}")
    logger.info("db postgresql+asyncpg://hub:pa55word@db/hub")
    logger.info("webhook", extra={"payload": {"auth_token": "abc123", "user_hash": "ff00"}})
    output = stream.getvalue()
    for secret in (
        api_token,
        terminal_key,
        "hunter22",
        "c2lnbmF0dXJl",
        "abc.def.ghi",
        SECRET_KEY,
        TWILIO_TOKEN,
        "pa55word",
        "abc123",
        "ff00",
    ):
        assert secret not in output, secret
    records = lines(stream)
    # What identifies a key without granting anything stays readable.
    assert f"hub_{api_prefix}_***" in str(records[0]["message"])
    assert f"term_{terminal_prefix}_***" in str(records[0]["message"])
    # An email address is personal data: masked too (issue 13).
    assert str(records[1]["message"]) == "login failed: password=*** for ***"
    assert "b'host', b'a'" in str(records[2]["message"])


def test_tracebacks_are_masked(capture: tuple[logging.Logger, io.StringIO]) -> None:
    logger, stream = capture
    try:
        raise RuntimeError(f"cannot connect with password={SECRET_KEY}")
    except RuntimeError:
        logger.exception("failed")
    (record,) = lines(stream)
    assert "RuntimeError" in str(record["exc"])
    assert SECRET_KEY not in stream.getvalue()


def test_json_lines_have_the_documented_fields(
    capture: tuple[logging.Logger, io.StringIO],
) -> None:
    logger, stream = capture
    logger.info("hello %s", "world", extra={"customer_id": 7})
    (record,) = lines(stream)
    assert record["message"] == "hello world"
    assert record["level"] == "INFO"
    assert record["logger"] == "tests.hub.logging"
    assert record["customer_id"] == 7
    assert str(record["time"]).endswith("+00:00")
    assert "request_id" not in record


def test_redact_leaves_plain_text_alone() -> None:
    text = "customer 12 wrote on sms at 10:02; thread resolved"
    assert redact(text) == text


async def test_lines_logged_inside_a_request_carry_its_id(
    capture: tuple[logging.Logger, io.StringIO],
) -> None:
    logger, stream = capture

    async def endpoint(request: Request) -> PlainTextResponse:
        logger.info("looking up customer")
        return PlainTextResponse("ok")

    app = SecurityHeadersMiddleware(Starlette(routes=[Route("/x", endpoint)]))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        first = await client.get("/x")
        second = await client.get("/x", headers={"x-request-id": "abc-123"})
    logger.info("outside any request")
    records = lines(stream)
    assert records[0]["request_id"] == first.headers["x-request-id"]
    assert records[1]["request_id"] == "abc-123" == second.headers["x-request-id"]
    assert "request_id" not in records[2]


def test_configure_logging_installs_text_or_json_on_the_root_logger() -> None:
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    try:
        handler = configure_logging(Settings(secret_key=SECRET_KEY, log_format="text"))
        assert isinstance(handler.formatter, TextFormatter)
        assert root.handlers == [handler]
        handler = configure_logging(Settings(secret_key=SECRET_KEY, log_format="json"))
        assert isinstance(handler.formatter, JsonFormatter)
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])


def test_phone_numbers_and_emails_are_masked() -> None:
    line = redact(
        "lookup phone=+15550100555 (%2B15550100555) for Dana.Lee+x@example.co.uk "
        "and dana%40example.com, order 12345, took 1.5ms"
    )
    for personal in ("5550100555", "Dana.Lee", "example.co.uk", "dana%40example.com"):
        assert personal not in line, line
    assert "order 12345, took 1.5ms" in line


def test_uvicorn_lines_lose_their_query_strings_and_go_through_the_hub_handler() -> None:
    stream = io.StringIO()
    handler = configure_logging(Settings(secret_key=SECRET_KEY), level="DEBUG")
    handler.setStream(stream)
    try:
        access = logging.getLogger("uvicorn.access")
        access.info(
            '%s - "%s %s HTTP/%s" %d',
            "127.0.0.1:5000",
            "GET",
            "/api/v1/customers?phone=%2B15550100555",
            "1.1",
            200,
        )
        logging.getLogger("uvicorn.error").info(
            '%s - "WebSocket %s" [accepted]', "127.0.0.1:5001", "/instore/ws?key=term_x"
        )
        logging.getLogger("twilio.http_client").info("PAYLOAD: Body=hello there")
    finally:
        logging.getLogger().removeHandler(handler)
    out = stream.getvalue()
    assert '"GET /api/v1/customers HTTP/1.1" 200' in out
    assert 'WebSocket /instore/ws"' in out
    assert "?" not in out and "5550100555" not in out and "hello there" not in out
