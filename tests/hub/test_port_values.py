"""What crosses the kernel boundary (docs/architecture.md, "The port"): a connector
imports no ORM model (``lint-imports``), and no method of the port or of the
``Connector`` interface takes or gives one either — they trade plain values
(``EventRef``, ``AgentRef``, ``Recipient``…). Checked on the annotations, so a new
method that hands out a row fails here before any connector can come to depend on it."""

from __future__ import annotations

import inspect
import re

from hub import models
from hub.channels import Connector
from hub.db import Base
from hub.port import HubPort
from hub.port.calls import CallPort
from hub.port.phone import PhonePort
from hub.port.refs import AgentRef, EventRef, Receipt
from hub.port.terminals import FrameWork, TerminalPort, TerminalRef
from hub.port.visitors import VisitorPort

BOUNDARY = (HubPort, CallPort, PhonePort, TerminalPort, FrameWork, VisitorPort, Connector)
ORM_NAMES = {mapper.class_.__name__ for mapper in Base.registry.mappers}


def _annotations(cls: type) -> dict[str, str]:
    """``method: its parameters' and return annotations`` for every public method."""
    found = {}
    for name, member in inspect.getmembers(cls, inspect.isfunction):
        if name.startswith("_"):
            continue
        signature = inspect.signature(member)
        parts = [str(p.annotation) for p in signature.parameters.values()]
        parts.append(str(signature.return_annotation))
        found[f"{cls.__name__}.{name}"] = " ".join(parts)
    return found


def _orm_named(annotation: str) -> set[str]:
    return {word for word in re.findall(r"[A-Za-z_]+", annotation) if word in ORM_NAMES}


def test_the_port_and_the_connector_interface_trade_no_orm_rows() -> None:
    leaks = {
        method: sorted(names)
        for cls in BOUNDARY
        for method, annotation in _annotations(cls).items()
        if (names := _orm_named(annotation))
    }
    assert leaks == {}


def test_the_values_a_channel_gets_hold_no_orm_rows() -> None:
    for value in (AgentRef, EventRef, Receipt, TerminalRef):
        fields = " ".join(str(f) for f in value.__annotations__.values())
        assert _orm_named(fields) == set(), value


def test_the_check_knows_the_models() -> None:
    """An empty result above means clean, not blind: the models are in the list."""
    assert {"Customer", "Identity", "Event", "Agent", "Thread", "Order"} <= ORM_NAMES
    assert models.Identity.__name__ in ORM_NAMES
    assert _orm_named("Sequence[Identity] | None") == {"Identity"}
