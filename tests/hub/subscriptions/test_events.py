"""Which domain events become public webhook events, with ids stable across replays."""

from __future__ import annotations

from hub import events as ev
from hub.subscriptions.events import public_events


def created(event: dict[str, object], name: str = ev.EVENT_CREATED) -> ev.DomainEvent:
    return ev.DomainEvent(name, {"customer_id": 7, "event": event}, 7)


def test_mapping() -> None:
    message = public_events(created({"id": 1, "type": "message", "status": None}))
    assert [(p.name, p.uid) for p in message] == [("message.created", "message-1")]
    resolved = created({"id": 2, "type": "status", "data": {"to": "resolved"}})
    assert [p.name for p in public_events(resolved)] == ["thread.resolved"]
    reopened = created({"id": 3, "type": "status", "data": {"to": "open"}})
    assert public_events(reopened) == []
    ringing = created({"id": 4, "type": "call", "status": "ringing"}, ev.EVENT_UPDATED)
    done = created({"id": 4, "type": "call", "status": "completed"}, ev.EVENT_UPDATED)
    assert public_events(ringing) == []
    assert [(p.name, p.uid) for p in public_events(done)] == [("call.completed", "call-4")]
    assert public_events(created({"id": 5, "type": "note"})) == []
    merged = ev.DomainEvent(ev.CUSTOMER_MERGED, {"merge_id": 9, "customer_id": 7}, 7)
    assert [p.uid for p in public_events(merged)] == ["merge-9"]
    order = {"customer_id": 7, "order": {"id": 3, "status": "placed"}, "created": True}
    shipped = {"customer_id": 7, "order": {"id": 3, "status": "shipped"}, "created": False}
    first = public_events(ev.DomainEvent(ev.ORDER_UPDATED, order, 7))
    again = public_events(ev.DomainEvent(ev.ORDER_UPDATED, order, 7))
    later = public_events(ev.DomainEvent(ev.ORDER_UPDATED, shipped, 7))
    assert first[0].uid == again[0].uid != later[0].uid
    assert public_events(ev.DomainEvent(ev.THREAD_UPDATED, {}, 7)) == []
