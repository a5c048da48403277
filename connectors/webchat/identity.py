"""Who is on the other end of a widget socket: signed visitor tokens and verified users.

A visitor token is an itsdangerous signature (under ``HUB_SECRET_KEY``) of a random
visitor id; the browser keeps it in localStorage and presents it on every connect, so
reloads and reconnects are the same visitor. A host site that knows its user passes
``user_id`` and ``user_hash`` = hex HMAC-SHA256(``HUB_WIDGET_SECRET``, user_id); a
matching hash makes the user id a verified identity shared by all that user's devices.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from itsdangerous import BadSignature, URLSafeSerializer

from hub.models.customer import VISITOR

TOKEN_SALT = "omnihub.widget.visitor"
MAX_USER_ID = 200


@dataclass(frozen=True)
class Principal:
    """The widget identities one socket speaks for.

    ``kind``/``address`` is the identity new messages come through (the verified
    user when there is one, else the visitor). ``visitor_id`` is always set: a
    verified user still keeps the browser's own visitor id (its earlier anonymous
    messages stay visible to it).
    """

    kind: str
    address: str
    visitor_id: str

    @property
    def identities(self) -> tuple[tuple[str, str], ...]:
        """Every ``(kind, address)`` whose widget messages this socket may see."""
        own = (VISITOR, self.visitor_id)
        return (own,) if self.kind == VISITOR else ((self.kind, self.address), own)

    @property
    def scope(self) -> str:
        """A short, stable key of the speaking identity, used to scope client ids."""
        if self.kind == VISITOR:
            return f"v:{self.address}"
        return "u:" + hashlib.sha256(self.address.encode()).hexdigest()[:24]


def room_for(kind: str, address: str) -> str:
    """The socket.io room of every open tab speaking for one widget identity."""
    return f"webchat:{kind}:{address}"


class VisitorTokens:
    """Mints and reads visitor tokens. A forged or foreign token reads as None."""

    def __init__(self, secret_key: str) -> None:
        self._serializer = URLSafeSerializer(secret_key, salt=TOKEN_SALT)

    def mint(self) -> tuple[str, str]:
        """A new ``(visitor_id, token)``."""
        visitor_id = "v_" + secrets.token_urlsafe(16)
        return visitor_id, self._serializer.dumps({"v": visitor_id})

    def token_for(self, visitor_id: str) -> str:
        return self._serializer.dumps({"v": visitor_id})

    def read(self, token: object) -> str | None:
        if not isinstance(token, str) or not token or len(token) > 512:
            return None
        try:
            data = self._serializer.loads(token)
        except BadSignature:
            return None
        visitor_id = data.get("v") if isinstance(data, dict) else None
        return visitor_id if isinstance(visitor_id, str) and visitor_id else None


def user_hash(secret: str, user_id: str) -> str:
    """The ``user_hash`` a host site must send along ``user_id``."""
    return hmac.new(secret.encode(), user_id.encode(), hashlib.sha256).hexdigest()


def user_hash_matches(secret: str, user_id: str, given: object) -> bool:
    if not isinstance(given, str):
        return False
    return hmac.compare_digest(user_hash(secret, user_id), given.strip().lower())
