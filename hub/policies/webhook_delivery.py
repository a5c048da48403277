"""Sending one webhook delivery: the outbox job handler of kind ``webhook``.

Each run is one HTTP attempt, logged as a ``WebhookAttempt``. 2xx marks the delivery
delivered. Network errors, timeouts, 5xx, 408 and 429 raise
``SendError(transient=True)`` so the outbox retries with backoff; other answers (and a
target that now resolves to a private address) fail the delivery for good. The
request goes to the address vetted just before (the Host header and TLS SNI carry the
hostname), so a DNS answer that changes between check and connect cannot redirect it.
"""

from __future__ import annotations

import json
import time

import httpx

from hub.actions.subscriptions import record_webhook_attempt
from hub.core import Hub
from hub.errors import HubError, SendError
from hub.models import OutboxJob
from hub.models.outbox import MAX_ATTEMPTS
from hub.queries.subscriptions import delivery_target
from hub.subscriptions.signing import (
    DELIVERY_HEADER,
    EVENT_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    sign,
)
from hub.subscriptions.targets import RefusedTarget, Target, vet_target

TIMEOUT_SECONDS = 10.0
EXCERPT_CHARS = 500
USER_AGENT = "omnihub-webhooks/1"
RETRY_STATUSES = {408, 425, 429}


def pinned_url(url: str, target: Target) -> str:
    """``url`` with its host replaced by the first vetted address."""
    parts = httpx.URL(url)
    return str(parts.copy_with(host=str(target.addresses[0]), port=target.port))


async def deliver_webhook(hub: Hub, job: OutboxJob, attempts: int) -> None:
    """Make attempt number ``attempts`` of the delivery ``job.payload["delivery_id"]``."""
    delivery_id = int((job.payload or {}).get("delivery_id", 0))
    async with hub.read() as session:
        found = await delivery_target(session, delivery_id)
    if found is None:
        return  # the endpoint was deleted: nothing left to deliver
    delivery, endpoint = found
    if not endpoint.active:
        await _record(hub, delivery_id, error="endpoint disabled", final=True)
        return
    body = json.dumps(delivery.payload, separators=(",", ":")).encode()
    timestamp = int(time.time())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: sign(endpoint.secret, timestamp, body),
        EVENT_HEADER: delivery.event,
        DELIVERY_HEADER: delivery.event_uid,
    }
    last_try = attempts >= MAX_ATTEMPTS
    try:
        target = await vet_target(
            endpoint.url,
            allow_private=hub.settings.webhooks_allow_private,
            allowed_ports=hub.settings.webhooks_allowed_ports,
        )
    except RefusedTarget as exc:
        await _record(hub, delivery_id, error=exc.message, final=True)
        raise SendError(exc.message, code=exc.code, transient=False) from exc
    except HubError as exc:  # does not resolve (now): maybe later
        await _record(hub, delivery_id, error=exc.message, final=last_try)
        raise SendError(exc.message, code=exc.code) from exc
    started = time.monotonic()
    try:
        async with httpx.AsyncClient(timeout=TIMEOUT_SECONDS, follow_redirects=False) as client:
            response = await client.post(
                pinned_url(endpoint.url, target),
                content=body,
                headers={**headers, "Host": httpx.URL(endpoint.url).netloc.decode()},
                extensions={"sni_hostname": target.host} if target.scheme == "https" else {},
            )
    except httpx.HTTPError as exc:
        error = f"{type(exc).__name__}: {exc}"[:500]
        await _record(hub, delivery_id, error=error, started=started, final=last_try)
        raise SendError(error, code="network") from exc
    status = response.status_code
    excerpt = response.text[:EXCERPT_CHARS]
    if 200 <= status < 300:
        await _record(hub, delivery_id, status=status, excerpt=excerpt, started=started, ok=True)
        return
    transient = status >= 500 or status in RETRY_STATUSES
    await _record(
        hub,
        delivery_id,
        status=status,
        excerpt=excerpt,
        error=f"HTTP {status}",
        started=started,
        final=last_try or not transient,
    )
    raise SendError(f"HTTP {status}", code=f"http_{status}", transient=transient)


async def _record(
    hub: Hub,
    delivery_id: int,
    *,
    status: int | None = None,
    excerpt: str | None = None,
    error: str | None = None,
    started: float | None = None,
    ok: bool = False,
    final: bool = False,
) -> None:
    """Log one attempt (``hub.actions.subscriptions.record_webhook_attempt``); ``excerpt``
    is at most ``EXCERPT_CHARS`` of the answer."""
    elapsed = int((time.monotonic() - started) * 1000) if started is not None else 0
    async with hub.uow() as uow:
        await record_webhook_attempt(
            uow,
            delivery_id,
            status=status,
            excerpt=excerpt,
            error=error,
            duration_ms=elapsed,
            ok=ok,
            final=final,
        )
