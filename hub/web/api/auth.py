"""Bearer-token authentication of REST calls."""

from __future__ import annotations

import re
from datetime import timedelta

from hub.actions.staff import authenticate_api_token
from hub.core import Hub
from hub.db import utcnow
from hub.models import ApiToken

# Writing ``last_used_at`` on every call would turn each read into a write; once a
# minute is precise enough to spot unused tokens.
TOUCH_EVERY = timedelta(minutes=1)
_TOKEN_RE = re.compile(r"^[A-Za-z0-9_\-]{1,200}$")


async def authenticate(hub: Hub, header: str | None) -> ApiToken | None:
    """The live token named by an ``Authorization: Bearer <token>`` header, or None
    when the header is missing, malformed, or names an unknown or revoked token."""
    if not header:
        return None
    scheme, _, key = header.strip().partition(" ")
    key = key.strip()
    if scheme.lower() != "bearer" or not _TOKEN_RE.match(key):
        return None
    async with hub.uow() as uow:
        token = await authenticate_api_token(uow, key)
        if token is not None:
            now = utcnow()
            if token.last_used_at is None or now - token.last_used_at >= TOUCH_EVERY:
                token.last_used_at = now
    return token
