"""Outbound webhooks to integrators ("subscriptions"): the public events (``events``),
signed (``signing``), sent only to vetted public targets (``targets``). They are
delivered through the outbox by ``hub.policies.webhook_delivery``;
``hub.policies.subscriptions`` wires them into a running hub; admin actions and the
delivery log's writes are in ``hub.actions.subscriptions``; the receiver's side is in
``docs/webhooks.md``.
"""
