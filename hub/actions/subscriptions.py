"""Registering outbound webhook endpoints and queueing deliveries to them.

``create_webhook`` returns the endpoint's secret once (the admin copies it into the
receiving system); it is stored to sign deliveries. Deliveries are outbox jobs of
kind ``webhook`` keyed ``webhook:{endpoint_id}:{event uid}``, so queueing the same
event twice is a no-op; ``hub.policies.webhook_delivery`` sends them.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from hub import events as ev
from hub.actions.audit import record_audit
from hub.core import UnitOfWork
from hub.db import utcnow
from hub.errors import Invalid, NotFound
from hub.models import OutboxJob, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from hub.models.subscriptions import DELIVERED, FAILED, PENDING, WEBHOOK_EVENTS
from hub.serializers import iso
from hub.subscriptions.events import PublicEvent
from hub.subscriptions.signing import new_secret
from hub.subscriptions.targets import vet_target

JOB_KIND = "webhook"


def _events(events: Iterable[str]) -> list[str]:
    chosen = sorted(set(events))
    unknown = [e for e in chosen if e not in WEBHOOK_EVENTS]
    if unknown or not chosen:
        raise Invalid(
            f"pick events among {', '.join(WEBHOOK_EVENTS)}"
            + (f" (unknown: {', '.join(unknown)})" if unknown else ""),
            code="invalid_events",
        )
    return chosen


async def _check_url(uow: UnitOfWork, url: str) -> str:
    url = url.strip()
    if len(url) > 2000:
        raise Invalid("URL longer than 2000 characters", code="invalid_url")
    await vet_target(
        url,
        allow_private=uow.settings.webhooks_allow_private,
        allowed_ports=uow.settings.webhooks_allowed_ports,
    )
    return url


async def create_webhook(
    uow: UnitOfWork,
    url: str,
    events: Iterable[str],
    *,
    description: str | None = None,
    actor: str = "system",
) -> tuple[WebhookEndpoint, str]:
    """Register ``url`` for ``events``; returns ``(endpoint, secret)``.

    Refuses (``Invalid``/``RefusedTarget``) URLs that are not http(s), do not resolve,
    or resolve to a private/loopback address while that is not allowed.
    """
    endpoint = WebhookEndpoint(
        url=await _check_url(uow, url),
        events=_events(events),
        description=(description or "").strip()[:200] or None,
        secret=new_secret(),
        active=True,
    )
    uow.session.add(endpoint)
    await uow.session.flush()
    await record_audit(uow, actor, "webhook.created", "webhook", endpoint.id, {"url": url})
    _changed(uow, endpoint.id)
    return endpoint, endpoint.secret


async def _get(uow: UnitOfWork, endpoint_id: int) -> WebhookEndpoint:
    endpoint = await uow.session.get(WebhookEndpoint, endpoint_id)
    if endpoint is None:
        raise NotFound(f"webhook {endpoint_id} not found")
    return endpoint


async def update_webhook(
    uow: UnitOfWork,
    endpoint_id: int,
    *,
    url: str | None = None,
    events: Iterable[str] | None = None,
    active: bool | None = None,
    description: str | None = None,
    actor: str = "system",
) -> WebhookEndpoint:
    """Change an endpoint's URL, events, description or active flag (None keeps it)."""
    endpoint = await _get(uow, endpoint_id)
    if url is not None:
        endpoint.url = await _check_url(uow, url)
    if events is not None:
        endpoint.events = _events(events)
    if active is not None:
        endpoint.active = active
    if description is not None:
        endpoint.description = description.strip()[:200] or None
    await uow.session.flush()
    await record_audit(uow, actor, "webhook.updated", "webhook", endpoint.id)
    _changed(uow, endpoint.id)
    return endpoint


async def rotate_webhook_secret(uow: UnitOfWork, endpoint_id: int, *, actor: str = "system") -> str:
    """Replace an endpoint's secret; returns the new one (shown once)."""
    endpoint = await _get(uow, endpoint_id)
    endpoint.secret = new_secret()
    await record_audit(uow, actor, "webhook.secret_rotated", "webhook", endpoint.id)
    return endpoint.secret


async def delete_webhook(uow: UnitOfWork, endpoint_id: int, *, actor: str = "system") -> None:
    """Remove an endpoint and its delivery log; queued jobs for it then finish as no-ops."""
    endpoint = await _get(uow, endpoint_id)
    await uow.session.delete(endpoint)
    await record_audit(uow, actor, "webhook.deleted", "webhook", endpoint_id)
    _changed(uow, endpoint_id)


def _changed(uow: UnitOfWork, endpoint_id: int) -> None:
    """Tell this process's webhook listener to re-read subscriptions (others within
    ``hub.subscriptions.SUBSCRIPTIONS_TTL`` seconds)."""
    uow.emit(ev.DomainEvent(ev.WEBHOOKS_CHANGED, {"endpoint_id": endpoint_id}))


async def enqueue_webhooks(uow: UnitOfWork, events: list[PublicEvent]) -> list[WebhookDelivery]:
    """Queue one delivery per (active endpoint subscribed, event); replays are no-ops."""
    if not events:
        return []
    endpoints = list(
        (
            await uow.session.execute(
                select(WebhookEndpoint).where(WebhookEndpoint.active.is_(True))
            )
        ).scalars()
    )
    queued: list[WebhookDelivery] = []
    for event in events:
        for endpoint in endpoints:
            if event.name not in endpoint.events:
                continue
            delivery = await _enqueue_one(uow, endpoint, event)
            if delivery is not None:
                queued.append(delivery)
    if queued:
        uow.on_commit(uow.hub.wake_outbox)
    return queued


async def _enqueue_one(
    uow: UnitOfWork, endpoint: WebhookEndpoint, event: PublicEvent
) -> WebhookDelivery | None:
    key = f"webhook:{endpoint.id}:{event.uid}"
    existing = await uow.session.execute(select(OutboxJob.id).where(OutboxJob.key == key))
    if existing.scalar_one_or_none() is not None:
        return None
    envelope = {
        "id": event.uid,
        "type": event.name,
        "created_at": iso(utcnow()),
        "data": event.data,
    }
    delivery = WebhookDelivery(
        endpoint_id=endpoint.id, event=event.name, event_uid=event.uid, payload=envelope
    )
    try:
        async with uow.session.begin_nested():
            uow.session.add(delivery)
            await uow.session.flush()
            uow.session.add(OutboxJob(kind=JOB_KIND, key=key, payload={"delivery_id": delivery.id}))
            await uow.session.flush()
    except IntegrityError:
        return None
    return delivery


async def redeliver_webhook(
    uow: UnitOfWork, delivery_id: int, *, actor: str = "system"
) -> WebhookDelivery:
    """Queue a failed (or delivered) delivery again, same payload and id, for the
    admin's "Redeliver" button; attempts keep being logged on the same delivery."""
    delivery = await uow.session.get(WebhookDelivery, delivery_id, with_for_update=True)
    if delivery is None:
        raise NotFound(f"webhook delivery {delivery_id} not found")
    if delivery.state == PENDING:
        raise Invalid("this delivery is still being attempted", code="delivery_pending")
    delivery.state = PENDING
    key = f"webhook-redo:{delivery.id}:{delivery.attempts}"
    uow.session.add(OutboxJob(kind=JOB_KIND, key=key, payload={"delivery_id": delivery.id}))
    await uow.session.flush()
    await record_audit(uow, actor, "webhook.redelivered", "webhook_delivery", delivery.id)
    uow.on_commit(uow.hub.wake_outbox)
    return delivery


async def record_webhook_attempt(
    uow: UnitOfWork,
    delivery_id: int,
    *,
    status: int | None,
    excerpt: str | None,
    error: str | None,
    duration_ms: int,
    ok: bool = False,
    final: bool = False,
) -> None:
    """Log one HTTP attempt of delivery ``delivery_id`` (``status``: the HTTP status, if
    any answer came) and copy it to the delivery's summary columns; ``ok`` marks the
    delivery delivered, ``final`` failed for good. A deleted delivery is left alone."""
    delivery = await uow.session.get(WebhookDelivery, delivery_id, with_for_update=True)
    if delivery is None:
        return
    delivery.attempts += 1
    now = utcnow()
    uow.session.add(
        WebhookAttempt(
            delivery_id=delivery.id,
            number=delivery.attempts,
            status_code=status,
            response_excerpt=excerpt,
            error=error,
            duration_ms=duration_ms,
            created_at=now,
        )
    )
    delivery.status_code = status
    delivery.response_excerpt = excerpt or None
    delivery.error = error
    delivery.last_attempt_at = now
    if ok:
        delivery.state = DELIVERED
        delivery.delivered_at = now
    elif final:
        delivery.state = FAILED
