"""SSRF guard: private, loopback, link-local and multicast targets are refused."""

from __future__ import annotations

import ipaddress
from pathlib import Path

import pytest
from sqlalchemy import select

from hub.actions.subscriptions import create_webhook
from hub.core import Hub
from hub.errors import Invalid
from hub.models import OutboxJob, WebhookAttempt, WebhookDelivery
from hub.subscriptions.targets import RefusedTarget, is_public, vet_target
from hub.workers.outbox import OutboxWorker
from tests.conftest import make_settings

REFUSED = [
    "http://127.0.0.1/hook",
    "http://10.0.0.1/hook",
    "http://169.254.169.254/latest/meta-data/",
    "http://[::1]:8080/hook",
    "http://localhost:9000/hook",
    "https://[::ffff:127.0.0.1]/hook",
    "http://224.0.0.1/",
    "http://0.0.0.0/",
]


@pytest.mark.parametrize("url", REFUSED)
async def test_private_targets_are_refused(url: str) -> None:
    with pytest.raises(RefusedTarget):
        await vet_target(url, allow_private=False)


async def test_setting_allows_private_targets() -> None:
    target = await vet_target("http://localhost:9000/hook", allow_private=True)
    assert all(not is_public(a) for a in target.addresses)


@pytest.mark.parametrize("url", ["ftp://example.com/", "http://user:pw@example.com/", "nonsense"])
async def test_malformed_urls_are_invalid(url: str) -> None:
    with pytest.raises(Invalid):
        await vet_target(url, allow_private=True)


def test_public_addresses_pass() -> None:
    assert is_public(ipaddress.ip_address("93.184.216.34"))
    assert is_public(ipaddress.ip_address("2606:4700::1111"))


async def test_registering_a_private_url_is_refused(sqlite_url: str, tmp_path: Path) -> None:
    hub = Hub(make_settings(sqlite_url, tmp_path))
    try:
        with pytest.raises(RefusedTarget):
            async with hub.uow() as uow:
                await create_webhook(uow, "http://127.0.0.1:1/hook", ["message.created"])
    finally:
        await hub.dispose()


async def test_send_time_check_refuses_after_setting_is_lifted(
    sqlite_url: str, tmp_path: Path
) -> None:
    """An endpoint saved while private targets were allowed is refused at send time
    once they are not (the same check catches a DNS answer that changed)."""
    from hub.policies.subscriptions import install_subscriptions
    from hub.subscriptions.events import PublicEvent

    allowed = Hub(make_settings(sqlite_url, tmp_path, webhooks_allow_private=True))
    try:
        async with allowed.uow() as uow:
            await create_webhook(uow, "http://127.0.0.1:1/hook", ["order.updated"])
    finally:
        await allowed.dispose()
    hub = Hub(make_settings(sqlite_url, tmp_path))
    install_subscriptions(hub)
    try:
        from hub.actions.subscriptions import enqueue_webhooks

        async with hub.uow() as uow:
            await enqueue_webhooks(uow, [PublicEvent("order.updated", "order-1-x", {})])
        await OutboxWorker(hub).drain_once()
        async with hub.read() as session:
            delivery = (await session.execute(select(WebhookDelivery))).scalar_one()
            attempt = (await session.execute(select(WebhookAttempt))).scalar_one()
            job = (await session.execute(select(OutboxJob))).scalar_one()
    finally:
        await hub.dispose()
    assert delivery.state == "failed"
    assert attempt.status_code is None and "private" in (attempt.error or "")
    assert job.state == "failed"
