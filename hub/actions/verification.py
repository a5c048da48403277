"""One-time codes that turn an asserted phone or email into a verified identity.

Someone typed a phone number into a form: ``start_verification`` sends a 6-digit code
to that very address through whichever connector can reach its kind (``reply_kinds``,
so this module never names a channel) and returns a ``Challenge`` for the caller to
keep (e.g. in the widget socket's session; it holds only a hash of the code).
``confirm_verification`` checks the code and marks the identity verified.

Only an identity of the caller's own customer can be verified this way; an address
held by another customer is refused, so nobody can attach, or be texted codes for,
someone else's number through a form.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from hub import events as ev
from hub.actions.customers import add_identity, find_identity, get_customer, normalize_or_invalid
from hub.actions.replies import send_reply
from hub.core import UnitOfWork
from hub.db import utcnow
from hub.errors import Conflict, Invalid, Unreachable
from hub.models import Identity
from hub.models.customer import VERIFIED
from hub.rules.sms_limits import check_text_allowed

CODE_DIGITS = 6
CODE_TTL = timedelta(minutes=10)
MAX_ATTEMPTS = 5


@dataclass(frozen=True)
class Challenge:
    """A pending verification: which identity, the code's hash, until when, tries left."""

    identity_id: int
    customer_id: int
    code_hash: str
    expires_at: datetime
    attempts_left: int = MAX_ATTEMPTS


def _hash(secret_key: str, identity_id: int, code: str) -> str:
    message = f"{identity_id}:{code}".encode()
    return hmac.new(secret_key.encode(), message, hashlib.sha256).hexdigest()


async def start_verification(
    uow: UnitOfWork,
    customer_id: int,
    kind: str,
    address: str,
    *,
    via: str = "verification",
    client: str | None = None,
) -> Challenge:
    """Send a one-time code to ``(kind, address)``, attaching it (asserted) if new.

    Raises ``Conflict`` when another customer holds the address, ``Unreachable`` when
    no connector can deliver to it, and what ``hub.rules.sms_limits.check_text_allowed``
    raises for ``client`` (the asking IP address): a country not allowed, too many
    texts to the number, from the client or in the hub this hour.
    """
    address = normalize_or_invalid(kind, address, uow.settings.default_region)
    customer = await get_customer(uow.session, customer_id)
    identity = await find_identity(uow.session, kind, address)
    if identity is None:
        identity = await add_identity(uow, customer.id, kind, address)
    if identity is None or identity.customer_id != customer.id:
        raise Conflict(f"this {kind} belongs to another customer", code="taken")
    connector = next(
        (
            c
            for c in uow.hub.connectors.values()
            if c.can_reach(kind, address, opted_out=identity.sms_opted_out)
        ),
        None,
    )
    if connector is None:
        raise Unreachable(f"no channel can send a code to this {kind}")
    await check_text_allowed(uow.hub, kind, address, client=client)
    code = "".join(secrets.choice("0123456789") for _ in range(CODE_DIGITS))
    await send_reply(
        uow,
        customer.id,
        f"Your verification code is {code}. It expires in {CODE_TTL.seconds // 60} minutes.",
        channel=connector.channel,
        via=via,
        identity_id=identity.id,
    )
    return Challenge(
        identity_id=identity.id,
        customer_id=customer.id,
        code_hash=_hash(uow.settings.secret_key, identity.id, code),
        expires_at=utcnow() + CODE_TTL,
    )


async def confirm_verification(
    uow: UnitOfWork, challenge: Challenge, code: str
) -> tuple[Identity | None, Challenge | None]:
    """Check ``code``: returns ``(verified identity, None)`` on success, else
    ``(None, the challenge with one try less)`` — or ``(None, None)`` once it has
    expired or run out of tries."""
    code = "".join(ch for ch in (code or "") if ch.isdigit())
    if challenge.expires_at < utcnow():
        return None, None
    expected = challenge.code_hash
    if not hmac.compare_digest(
        expected, _hash(uow.settings.secret_key, challenge.identity_id, code)
    ):
        left = challenge.attempts_left - 1
        return None, (replace(challenge, attempts_left=left) if left > 0 else None)
    identity = await uow.session.get(Identity, challenge.identity_id, with_for_update=True)
    if identity is None:
        raise Invalid("the address to verify no longer exists")
    holder = await get_customer(uow.session, identity.customer_id)
    if holder.id != (await get_customer(uow.session, challenge.customer_id)).id:
        # The proven holder took the address meanwhile (it texted or called in:
        # ``release_typed``): this code proves nothing for the asker any more.
        return None, None
    if identity.verification != VERIFIED:
        identity.verification = VERIFIED
        uow.emit(
            ev.DomainEvent(
                ev.CUSTOMER_UPDATED, {"customer_id": identity.customer_id}, identity.customer_id
            )
        )
    return identity, None
