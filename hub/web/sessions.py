"""Reading the console session cookie outside Starlette's request cycle (socket.io).

The cookie is written by Starlette's ``SessionMiddleware``: base64 JSON signed with
itsdangerous' ``TimestampSigner`` under ``HUB_SECRET_KEY``.
"""

from __future__ import annotations

import json
from base64 import b64decode
from http.cookies import SimpleCookie
from typing import Any

from itsdangerous import BadSignature, TimestampSigner

SESSION_COOKIE = "hub_session"
SESSION_MAX_AGE = 12 * 3600


def read_session_cookie(cookie_header: str | None, secret_key: str) -> dict[str, Any]:
    """The session dict carried by a ``Cookie`` header, or {} if absent or forged."""
    if not cookie_header:
        return {}
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(cookie_header)
    except Exception:
        return {}
    morsel = jar.get(SESSION_COOKIE)
    if morsel is None:
        return {}
    try:
        data = TimestampSigner(secret_key).unsign(morsel.value.encode(), max_age=SESSION_MAX_AGE)
        value = json.loads(b64decode(data))
    except (BadSignature, ValueError):
        return {}
    return value if isinstance(value, dict) else {}
