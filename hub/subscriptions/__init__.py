"""Outbound webhooks to integrators ("subscriptions"): the public events (``events``),
signed (``signing``), sent only to vetted public targets (``targets``), delivered
through the outbox (``delivery``). ``hub.policies.subscriptions`` wires them into a
running hub; admin actions are in ``hub.actions.subscriptions``; the receiver's side
is in ``docs/webhooks.md``.
"""
