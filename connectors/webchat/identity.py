"""Who is on the other end of a widget socket: signed visitor tokens and verified users.

A visitor token is an itsdangerous timestamped signature (under ``HUB_SECRET_KEY``) of
a random visitor id; the browser keeps it in localStorage and presents it on every
connect, so reloads and reconnects are the same visitor. Every connect answers with a
freshly signed token (rotation), and a token older than ``HUB_VISITOR_TOKEN_DAYS``
(default 90) reads as no token at all: the expiry slides with use, and a token copied
from an abandoned browser stops opening its history. A host site that knows its user passes
``user_id`` and ``user_hash`` = hex HMAC-SHA256(``HUB_WIDGET_SECRET``, user_id); a
matching hash makes the user id a verified identity shared by all that user's devices.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass

from itsdangerous import BadSignature, TimestampSigner

from hub.port import VISITOR

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


class _Signer(TimestampSigner):
    """itsdangerous' ``TimestampSigner`` on an injectable clock (tests age tokens)."""

    clock: Callable[[], float] = time.time

    def get_timestamp(self) -> int:
        return int(self.clock())


class VisitorTokens:
    """Mints and reads visitor tokens. A forged, foreign or expired token reads as None."""

    def __init__(
        self, secret_key: str, *, max_age_days: int = 90, clock: Callable[[], float] = time.time
    ) -> None:
        self._signer = _Signer(secret_key, salt=TOKEN_SALT)
        self._signer.clock = clock
        self.max_age = max_age_days * 86400

    def mint(self) -> tuple[str, str]:
        """A new ``(visitor_id, token)``."""
        visitor_id = "v_" + secrets.token_urlsafe(16)
        return visitor_id, self.token_for(visitor_id)

    def token_for(self, visitor_id: str) -> str:
        """A token for ``visitor_id`` signed now, with a random nonce so each one differs
        (the rotated token a connect returns)."""
        return self._signer.sign(f"{visitor_id}:{secrets.token_urlsafe(6)}").decode()

    def read(self, token: object) -> str | None:
        if not isinstance(token, str) or not token or len(token) > 512:
            return None
        try:
            value = self._signer.unsign(token, max_age=self.max_age).decode()
        except (BadSignature, UnicodeDecodeError):
            return None
        visitor_id = value.split(":", 1)[0]
        return visitor_id if visitor_id.startswith("v_") and ":" in value else None


def user_hash(secret: str, user_id: str) -> str:
    """The ``user_hash`` a host site must send along ``user_id``."""
    return hmac.new(secret.encode(), user_id.encode(), hashlib.sha256).hexdigest()


def user_hash_matches(secret: str, user_id: str, given: object) -> bool:
    if not isinstance(given, str):
        return False
    return hmac.compare_digest(user_hash(secret, user_id), given.strip().lower())
