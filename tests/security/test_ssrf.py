"""Outbound-webhook SSRF guard, tried as a careless (or hostile) admin would through the
console form: addresses hidden inside IPv6 (6to4, Teredo, IPv4-mapped) and ports other
than 80/443 are refused and nothing is registered."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from hub.core import Hub
from hub.models import WebhookEndpoint
from hub.subscriptions.targets import RefusedTarget, vet_target
from tests.hub.web.console.conftest import SignedIn

HIDDEN_PRIVATE = [
    "http://[2002:7f00:1::]/hook",  # 6to4 of 127.0.0.1
    "http://[2002:a9fe:a9fe::1]/latest/meta-data/",  # 6to4 of 169.254.169.254
    "https://[2002:c0a8:0101::]/hook",  # 6to4 of 192.168.1.1
    "http://[2001:0:4136:e378:8000:63bf:f5ff:fffe]/hook",  # Teredo of 10.0.0.1
    "http://[::ffff:a9fe:a9fe]/hook",  # IPv4-mapped metadata address
]
ODD_PORTS = [
    "http://93.184.216.34:22/hook",
    "https://93.184.216.34:6379/hook",
    "http://[2606:4700::1111]:25/hook",
]


async def test_console_refuses_hidden_private_addresses_and_odd_ports(
    admin: SignedIn, core: Hub
) -> None:
    for url in HIDDEN_PRIVATE + ODD_PORTS:
        response = await admin.client.post(
            "/admin/webhooks",
            data={"csrf": admin.csrf, "url": url, "events": ["message.created"]},
        )
        assert response.status_code == 422, url
    async with core.read() as db:
        assert await db.scalar(select(func.count()).select_from(WebhookEndpoint)) == 0


@pytest.mark.parametrize("url", HIDDEN_PRIVATE)
async def test_6to4_and_teredo_wrapping_private_ipv4_are_refused(url: str) -> None:
    with pytest.raises(RefusedTarget):
        await vet_target(url, allow_private=False)


async def test_public_6to4_and_allowed_ports_pass() -> None:
    # 6to4 of a public IPv4 address is as public as that address.
    await vet_target("http://[2002:5db8:d822::1]/hook", allow_private=False)
    await vet_target(
        "https://93.184.216.34:8443/hook",
        allow_private=False,
        allowed_ports=frozenset({80, 443, 8443}),
    )
    with pytest.raises(RefusedTarget):
        await vet_target("https://93.184.216.34:8443/hook", allow_private=False)
