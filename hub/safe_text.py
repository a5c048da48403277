"""Text no database can store becomes U+FFFD before it reaches the driver, on every engine.

PostgreSQL's ``text`` refuses NUL (U+0000) and both drivers refuse lone surrogates
(what a JSON ``"\\ud800"`` decodes to). Unchecked, a customer's message holding one
fails its transaction: 503 on PostgreSQL, which Twilio retries forever, while SQLite
stores it. The hub's policy (docs/security.md): the REST API refuses such text with a
422 (integrators can fix their input); everything else (SMS, widget, terminals,
console forms, queries) is stored and searched with U+FFFD in its place, so no message
is lost and both engines behave alike. Other control characters are stored verbatim
and only ever rendered escaped (HTML) or as JSON escapes.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
REPLACEMENT = "\ufffd"


def clean(value: Any) -> Any:
    """``value`` with unstorable characters replaced, inside lists, tuples and dicts."""
    if isinstance(value, str):
        return UNSTORABLE.sub(REPLACEMENT, value) if UNSTORABLE.search(value) else value
    if isinstance(value, dict):
        return {key: clean(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(clean(item) for item in value)
    return value


def _before_cursor_execute(
    conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool
) -> tuple[str, Any]:
    return statement, clean(parameters)


def guard_text(engine: AsyncEngine) -> None:
    """Clean every bound parameter ``engine`` sends (reads and writes alike)."""
    event.listen(engine.sync_engine, "before_cursor_execute", _before_cursor_execute, retval=True)
