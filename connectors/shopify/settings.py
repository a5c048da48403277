"""The Shopify connector's settings, read from the environment (``Settings.environ``).

| variable | meaning |
| --- | --- |
| ``SHOPIFY_SHOP`` | the shop's domain, e.g. ``example.myshopify.com`` |
| ``SHOPIFY_ACCESS_TOKEN`` | the custom app's Admin API access token |
| ``SHOPIFY_API_SECRET`` | the app's API secret key: webhooks are signed with it |
| ``SHOPIFY_API_BASE`` | default ``https://<SHOPIFY_SHOP>``; the simulator in demos, tests |
| ``SHOPIFY_API_VERSION`` | default ``2026-10``, the stable Admin API version used |
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

API_VERSION = "2026-10"


@dataclass(frozen=True)
class ShopifySettings:
    shop: str | None = None
    access_token: str | None = field(default=None, repr=False)
    api_secret: str | None = field(default=None, repr=False)
    api_base: str | None = None
    api_version: str = API_VERSION

    @property
    def configured(self) -> bool:
        """The Admin API can be called (shop and token set)."""
        return bool(self.shop and self.access_token)

    @property
    def base_url(self) -> str:
        return (self.api_base or f"https://{self.shop}").rstrip("/")

    @property
    def graphql_url(self) -> str:
        return f"{self.base_url}/admin/api/{self.api_version}/graphql.json"

    @classmethod
    def from_environ(cls, env: Mapping[str, str]) -> ShopifySettings:
        shop = (env.get("SHOPIFY_SHOP") or "").strip().removeprefix("https://").rstrip("/")
        return cls(
            shop=shop or None,
            access_token=env.get("SHOPIFY_ACCESS_TOKEN") or None,
            api_secret=env.get("SHOPIFY_API_SECRET") or None,
            api_base=(env.get("SHOPIFY_API_BASE") or "").rstrip("/") or None,
            api_version=env.get("SHOPIFY_API_VERSION") or API_VERSION,
        )
