"""Commerce: the shop's orders, customers, stock and order actions, beside the thread.

``hub.commerce.port`` is the interface a shop adapter implements (Shopify is the first,
in ``connectors/shopify``); ``hub.commerce.service.CommerceService`` is what the rest of
the hub talks to (a short-lived stock cache in front of the port). The writes that
follow from the shop's data are actions in ``hub.actions.commerce`` and
``hub.actions.order_actions``. Nothing here names a shop.
"""
