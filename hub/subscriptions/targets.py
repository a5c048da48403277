"""SSRF guard: webhook URLs must resolve only to public addresses.

Checked when an endpoint is saved and again before every delivery (the DNS answer may
have changed since — "DNS rebinding"); the delivery then connects to the vetted
address itself, so a second lookup cannot swap it. ``HUB_WEBHOOKS_ALLOW_PRIVATE=1``
lifts the restriction (tests, trusted networks).
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from hub.errors import Invalid

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


DEFAULT_PORTS: frozenset[int] = frozenset({80, 443})


class RefusedTarget(Invalid):
    code = "webhook_target_refused"


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    addresses: tuple[IPAddress, ...]


def is_public(address: IPAddress) -> bool:
    """False for loopback, private, link-local, multicast, reserved and unspecified
    addresses. IPv6 addresses that carry an IPv4 address (IPv4-mapped ``::ffff:a.b.c.d``,
    6to4 ``2002:aabb:ccdd::``, Teredo ``2001:0::``) are judged as the IPv4 address
    they carry, so ``2002:7f00:1::`` (127.0.0.1) or ``2002:a9fe:a9fe::`` (the cloud
    metadata address) is refused."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        elif address.sixtofour is not None:
            address = address.sixtofour
        elif address.teredo is not None:
            address = address.teredo[1]
    return address.is_global and not (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
    )


def check_url_shape(url: str) -> tuple[str, str, int]:
    """``(scheme, host, port)`` of an http(s) URL without credentials; ``Invalid`` otherwise."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise Invalid(f"not a valid URL: {exc}", code="invalid_url") from exc
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise Invalid("a webhook URL is http:// or https:// with a host", code="invalid_url")
    if parts.username or parts.password:
        raise Invalid("a webhook URL cannot carry credentials", code="invalid_url")
    return parts.scheme, parts.hostname, port or (443 if parts.scheme == "https" else 80)


async def resolve(host: str, port: int) -> tuple[IPAddress, ...]:
    try:
        return (ipaddress.ip_address(host),)
    except ValueError:
        pass
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as exc:
        raise Invalid(f"cannot resolve {host}: {exc}", code="unresolvable") from exc
    addresses: list[IPAddress] = []
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise Invalid(f"cannot resolve {host}", code="unresolvable")
    return tuple(addresses)


async def vet_target(
    url: str, *, allow_private: bool, allowed_ports: frozenset[int] = DEFAULT_PORTS
) -> Target:
    """Resolve ``url``'s host and refuse it (``RefusedTarget``) if any address is not
    public or its port is not in ``allowed_ports``, unless ``allow_private``."""
    scheme, host, port = check_url_shape(url)
    addresses = await resolve(host, port)
    if not allow_private:
        for address in addresses:
            if not is_public(address):
                raise RefusedTarget(
                    f"{host} resolves to {address}, a private or local address; "
                    "set HUB_WEBHOOKS_ALLOW_PRIVATE=1 to allow it"
                )
    if not allow_private and port not in allowed_ports:
        allowed = ", ".join(str(p) for p in sorted(allowed_ports))
        raise RefusedTarget(
            f"port {port} is not allowed for webhooks (allowed: {allowed}); "
            "add it to HUB_WEBHOOKS_ALLOWED_PORTS"
        )
    return Target(scheme, host, port, addresses)
