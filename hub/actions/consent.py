"""SMS consent: STOP / START / HELP keywords recorded on the customer's phone identity.

Carriers and Twilio treat these keywords as the customer's instruction about the
number, not about the person, so the opt-out lives on the phone ``Identity``
(``sms_opted_out``, ``opted_out_at``). Connectors decide which keyword a message
carries (``consent_keyword``) and record it with ``apply_consent``; ``send_reply``
then refuses SMS to that number (``Unreachable``, code ``opted_out``).

Opt-ins (``record_opt_in``) are per channel: the permission a channel such as
WhatsApp needs before the business starts a conversation (a template). A STOP on the
number outranks any opt-in.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from hub import events as ev
from hub.actions.audit import record_audit
from hub.actions.customers import find_identity, get_customer, normalize_or_invalid
from hub.core import UnitOfWork
from hub.db import utcnow
from hub.errors import Invalid, NotFound
from hub.models import Identity, OptIn
from hub.models.consent import OPT_IN_SOURCES
from hub.serializers import identity_dict

STOP = "stop"
START = "start"
HELP = "help"

# Twilio's default opt-out, opt-in and help keywords (Advanced Opt-Out's defaults).
_KEYWORDS = {
    **dict.fromkeys(
        ("STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT"), STOP
    ),
    **dict.fromkeys(("START", "YES", "UNSTOP"), START),
    **dict.fromkeys(("HELP", "INFO"), HELP),
}


def consent_keyword(body: str | None, opt_out_type: str | None = None) -> str | None:
    """``stop``/``start``/``help`` when the message is a consent keyword, else None.

    Twilio's ``OptOutType`` (sent when Advanced Opt-Out is on) wins; otherwise the whole
    body, trimmed and case-folded, must be one keyword ("stop", "Stop." count; "please
    stop texting me" does not, as for Twilio).
    """
    if opt_out_type:
        return _KEYWORDS.get(opt_out_type.strip().upper())
    word = (body or "").strip().rstrip(".!").strip().upper()
    return _KEYWORDS.get(word)


async def apply_consent(uow: UnitOfWork, identity_id: int, keyword: str) -> Identity:
    """Record ``keyword`` on the identity: ``stop`` opts the number out, ``start`` back
    in, ``help`` changes nothing. Repeating the current state changes nothing."""
    identity = await uow.session.get(Identity, identity_id, with_for_update=True)
    if identity is None:
        raise NotFound(f"identity {identity_id} not found")
    if keyword == STOP and not identity.sms_opted_out:
        identity.sms_opted_out = True
        identity.opted_out_at = utcnow()
    elif keyword == START and identity.sms_opted_out:
        identity.sms_opted_out = False
        identity.opted_out_at = None
    else:
        return identity
    await uow.session.flush()
    uow.emit(
        ev.DomainEvent(
            ev.CUSTOMER_UPDATED,
            {"customer_id": identity.customer_id, "identity": identity_dict(identity)},
            identity.customer_id,
        )
    )
    return identity


async def opt_out_address(uow: UnitOfWork, kind: str, address: str) -> Identity | None:
    """Opt out the identity ``(kind, address)`` if the hub knows it (e.g. the provider
    reported the number unsubscribed). Returns it, or None when unknown."""
    address = normalize_or_invalid(kind, address, uow.settings.default_region)
    identity = await find_identity(uow.session, kind, address)
    if identity is None:
        return None
    return await apply_consent(uow, identity.id, STOP)


async def record_opt_in(uow: UnitOfWork, identity_id: int, channel: str, source: str) -> bool:
    """Record that identity ``identity_id`` agreed to be messaged on ``channel``.

    The first record stands (its source and time are what an audit wants); recording
    again changes nothing. Returns True when this call recorded it. Safe under
    concurrent webhooks: the unique ``(identity_id, channel)`` decides.
    """
    if source not in OPT_IN_SOURCES:
        raise Invalid(f"unknown opt-in source {source!r}")
    dialect = uow.hub.engine.dialect.name
    upsert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    statement = (
        upsert(OptIn)
        .values(identity_id=identity_id, channel=channel, source=source, created_at=utcnow())
        .on_conflict_do_nothing(index_elements=["identity_id", "channel"])
        .returning(OptIn.id)
    )
    return (await uow.session.execute(statement)).scalar_one_or_none() is not None


async def find_opt_in(session: AsyncSession, identity_id: int, channel: str) -> OptIn | None:
    """The opt-in of ``identity_id`` on ``channel``, or None (a STOP on the identity
    still outranks it: check ``Identity.sms_opted_out``)."""
    result = await session.execute(
        select(OptIn).where(OptIn.identity_id == identity_id, OptIn.channel == channel)
    )
    return result.scalar_one_or_none()


async def opt_in_address(
    uow: UnitOfWork, customer_id: int, channel: str, address: str, *, source: str, actor: str
) -> OptIn:
    """Record consent to ``channel`` given elsewhere (a checkout box, in store) for one
    of the customer's addresses, and audit who recorded it. The address must already
    be the customer's, of a kind the channel can reach (a phone for WhatsApp). Returns
    the standing record (the first one, if it existed)."""
    connector = uow.hub.connector(channel)
    if connector is None or not connector.reply_kinds:
        raise Invalid(f"no channel {channel!r} to opt in to", code="unknown_channel")
    customer = await get_customer(uow.session, customer_id)
    identity = None
    for kind in connector.reply_kinds:
        try:
            normalized = normalize_or_invalid(kind, address, uow.settings.default_region)
        except Invalid:
            continue
        found = await find_identity(uow.session, kind, normalized)
        if found is not None and found.customer_id == customer.id:
            identity = found
            break
    if identity is None:
        raise Invalid(
            f"{address!r} is not an address of this customer that {channel} can reach",
            code="unknown_address",
        )
    if await record_opt_in(uow, identity.id, channel, source):
        await record_audit(
            uow,
            actor,
            "opt_in.recorded",
            "identity",
            identity.id,
            {"channel": channel, "source": source},
        )
    found_opt_in = await find_opt_in(uow.session, identity.id, channel)
    assert found_opt_in is not None
    return found_opt_in
