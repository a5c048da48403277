"""``agents_on_call``: the one notion of "an agent on a call" routing and the wallboard
share, on call events as the phone leaves them."""

from __future__ import annotations

from typing import Any

from hub.models import Event
from hub.models.thread import agents_on_call


def call(status: str, agent_id: int | None = None, **data: Any) -> Event:
    return Event(type="call", channel="phone", status=status, agent_id=agent_id, data=data)


def leg(sid: str, role: str, status: str, agent_id: int | None = None) -> dict[str, Any]:
    return {"sid": sid, "role": role, "status": status} | (
        {"agent_id": agent_id} if agent_id is not None else {}
    )


def test_the_owner_of_a_ringing_or_live_call() -> None:
    assert agents_on_call(call("ringing", 1)) == {1}
    assert agents_on_call(call("in-progress", 1, legs=[leg("CAa", "agent", "in-progress", 1)]))
    assert agents_on_call(call("ringing")) == set()


def test_nobody_once_the_caller_hung_up() -> None:
    # The caller leaving ends the room, even if an agent leg's last callback is missing.
    assert agents_on_call(call("completed", 1, legs=[leg("CAa", "agent", "in-progress", 1)])) == (
        set()
    )


def test_a_callback_keeps_its_agent_busy_after_the_original_call_ended() -> None:
    taken = {"status": "taken", "agent_id": 1}
    assert agents_on_call(call("completed", 1, callback=taken)) == {1}
    talking = call(
        "completed",
        1,
        callback={"status": "done"},
        legs=[leg("CAa", "agent", "in-progress", 1), leg("CAc", "customer", "in-progress")],
    )
    assert agents_on_call(talking) == {1}
    hung_up = call(
        "completed",
        1,
        callback={"status": "done"},
        legs=[leg("CAa", "agent", "in-progress", 1), leg("CAc", "customer", "completed")],
    )
    assert agents_on_call(hung_up) == set()


def test_transfer_targets_and_failed_legs() -> None:
    three_way = call(
        "in-progress",
        1,
        legs=[leg("CAa", "agent", "in-progress", 1), leg("CAt", "transfer", "ringing", 2)],
    )
    assert agents_on_call(three_way) == {1, 2}
    # A click-to-call handed over cold: the agent's own call ended, the customer talks on.
    handed = call(
        "completed",
        2,
        legs=[
            leg("CAo", "agent", "completed", 1),
            leg("CAc", "customer", "in-progress"),
            leg("CAt", "transfer", "in-progress", 2),
        ],
    )
    assert agents_on_call(handed) == {2}
    skipped = call("ringing", None, legs=[leg("CAa", "agent", "failed", 3)])
    assert agents_on_call(skipped) == set()
