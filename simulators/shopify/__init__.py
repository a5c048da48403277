"""A loopback Shopify for demos and tests (development only).

It answers the Admin GraphQL operations the hub's adapter sends (by operation name,
``connectors/shopify/queries.py``) from an in-memory shop (``state.Shop``), and sends
the hub webhooks signed like Shopify's (``X-Shopify-Hmac-Sha256`` with the API secret).
``POST /_sim/...`` routes let a demo or a test play the merchant: place an order, mark
it ready for pickup, hand it over. Run it with ``python -m simulators.shopify``.
"""
