"""Whether a message proves its ``From`` address (then the identity is verified).

Two proofs count, as DESIGN.md's identity rule asks ("a DKIM/DMARC-aligned email"):

- a DKIM signature that verifies (``dkimpy``), covers ``From`` and whose signing
  domain ``d=`` is the From domain or a parent of it (relaxed alignment, RFC 7489
  3.1.1: only whoever controls the DNS of ``d=`` can sign for it), or
- an ``Authentication-Results`` header (RFC 8601) added by the upstream MTA the
  operator trusts (``HUB_EMAIL_TRUSTED_AUTHSERV_ID``) that says ``dmarc=pass`` for
  the From domain. Only the topmost such header is read: the trusted MTA is the last
  hop before the hub and adds its own on top of whatever the sender forged below.

Anything else (unsigned, a signature by another domain, two From headers) leaves the
address asserted; the hub's identity rules then make it at most a suggested match.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable
from email.message import Message
from typing import Any

import dkim

log = logging.getLogger(__name__)

# ``dkimpy``'s DNS look-up: (name, timeout=...) -> TXT record bytes or None.
DnsFunc = Callable[..., Any]
MAX_SIGNATURES = 5
_AR_DMARC = re.compile(r"\bdmarc\s*=\s*(\w+)(?P<rest>[^;]*)", re.IGNORECASE)
_HEADER_FROM = re.compile(r"header\.from\s*=\s*([^\s;()]+)", re.IGNORECASE)


def aligned(signing_domain: str, from_domain: str) -> bool:
    """Relaxed DMARC alignment: ``d=`` is the From domain or one of its parents."""
    d, f = signing_domain.strip().rstrip(".").lower(), from_domain.strip().rstrip(".").lower()
    return bool(d) and "." in d and (f == d or f.endswith("." + d))


def dkim_aligned(raw: bytes, from_domain: str, dnsfunc: DnsFunc | None = None) -> bool:
    """A DKIM signature on ``raw`` verifies, covers From and aligns with ``from_domain``.

    Blocking (DNS): call through ``asyncio.to_thread``."""
    checker = dkim.DKIM(raw, logger=log)
    count = sum(1 for name, _ in checker.headers if name.lower() == b"dkim-signature")
    for index in range(min(count, MAX_SIGNATURES)):
        try:
            ok = (
                checker.verify(index, dnsfunc=dnsfunc)
                if dnsfunc is not None
                else checker.verify(index)
            )
        except Exception as exc:  # malformed signature, DNS failure, bad key
            log.info("DKIM signature %d not verified: %r", index, exc)
            continue
        domain = (checker.domain or b"").decode("ascii", "replace")
        if ok and b"from" in checker.include_headers and aligned(domain, from_domain):
            return True
    return False


def dmarc_passed(msg: Message, trusted_authserv_id: str, from_domain: str) -> bool:
    """The topmost ``Authentication-Results`` is the trusted MTA's and says dmarc=pass
    (for the From domain, when it names one)."""
    headers = msg.get_all("Authentication-Results", failobj=[])
    if not headers:
        return False
    top = str(headers[0])
    authserv_id = top.split(";", 1)[0].strip().split()[0] if top.strip() else ""
    if authserv_id.lower() != trusted_authserv_id.lower():
        return False
    for match in _AR_DMARC.finditer(top):
        if match.group(1).lower() != "pass":
            continue
        named = _HEADER_FROM.search(match.group("rest"))
        if named is None or named.group(1).lower() == from_domain.lower():
            return True
    return False


async def proves_sender(
    raw: bytes,
    msg: Message,
    sender: str | None,
    *,
    trusted_authserv_id: str | None,
    dnsfunc: DnsFunc | None = None,
) -> bool:
    """Whether ``raw`` proves it comes from ``sender`` (see the module docstring)."""
    if not sender or "@" not in sender or len(msg.get_all("From", failobj=[])) != 1:
        return False
    from_domain = sender.rsplit("@", 1)[1]
    if trusted_authserv_id and dmarc_passed(msg, trusted_authserv_id, from_domain):
        return True
    if msg.get("DKIM-Signature") is None:
        return False
    return await asyncio.to_thread(dkim_aligned, raw, from_domain, dnsfunc)
