"""Shopify: the shop's orders, customers and stock beside the thread (``docs/commerce.md``).

Not a conversation channel (agents cannot reply on it). It connects the hub's commerce
port (``hub.commerce``) to one shop's Admin GraphQL API, and keeps orders current from
the shop's webhooks at ``POST /shopify/webhooks``. Configured by ``SHOPIFY_*``
(``connectors/shopify/settings.py``); without ``SHOPIFY_SHOP`` and
``SHOPIFY_ACCESS_TOKEN`` the hub runs without a shop (webhooks still verify, and are
refused while ``SHOPIFY_API_SECRET`` is unset).
"""

from __future__ import annotations

from collections.abc import Sequence

from starlette.routing import BaseRoute, Route

from connectors.base import Connector
from connectors.shopify.adapter import ShopifyCommerce
from connectors.shopify.callbacks import ShopifyWebhooks
from connectors.shopify.graphql import ShopifyGraphQL
from connectors.shopify.settings import ShopifySettings
from hub.checks import Problem, together_problems
from hub.port import HubPort
from hub.settings import Settings


class ShopifyConnector(Connector):
    channel = "shopify"
    reply_kinds = ()
    label = "Shopify"

    def __init__(self, port: HubPort) -> None:
        super().__init__(port)
        self.settings = ShopifySettings.from_environ(port.settings.environ)
        self.api = ShopifyGraphQL(self.settings)
        self.webhooks = ShopifyWebhooks(port, self.settings)
        if self.settings.configured:
            port.connect_shop(ShopifyCommerce(self.api), channel=self.channel)

    @classmethod
    async def check(cls, settings: Settings) -> Sequence[Problem]:
        shop = ShopifySettings.from_environ(settings.environ)
        values = {
            "SHOPIFY_SHOP": shop.shop,
            "SHOPIFY_ACCESS_TOKEN": shop.access_token,
            "SHOPIFY_API_SECRET": shop.api_secret,
        }
        return together_problems(values, "the shop's custom app: its domain, token and secret")

    def routes(self) -> Sequence[BaseRoute]:
        return (Route("/shopify/webhooks", self.webhooks.receive, methods=["POST"]),)

    async def shutdown(self) -> None:
        await self.api.close()
