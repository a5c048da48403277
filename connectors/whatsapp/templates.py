"""Approved WhatsApp templates from Twilio's Content API, synced and cached.

Outside the 24-hour window WhatsApp only delivers templates Meta approved. Twilio
lists them at ``GET content.twilio.com/v1/ContentAndApprovals`` (each with its
WhatsApp approval); the hub keeps the approved ones in memory for
``TWILIO_CONTENT_CACHE_SECONDS`` and sends one by its ``ContentSid`` with
``ContentVariables`` (``{"1": "Ann"}`` for ``{{1}}``). If Twilio cannot be asked, the
last list read is kept.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from twilio.base.exceptions import TwilioException

from connectors.twilio.client import NETWORK_ERRORS

log = logging.getLogger(__name__)

APPROVED = "approved"
MAX_VARIABLE_CHARS = 1024
_PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z0-9_]+)\s*\}\}")


@dataclass(frozen=True)
class Template:
    """One approved template: its ``ContentSid``, name, text with ``{{n}}`` placeholders
    and the sample values the author gave for them."""

    sid: str
    name: str
    language: str
    body: str
    category: str | None = None
    variables: Mapping[str, str] = field(default_factory=dict)

    @property
    def placeholders(self) -> list[str]:
        """The variable names the body uses, in order of first use."""
        return list(dict.fromkeys(_PLACEHOLDER.findall(self.body)))

    def render(self, values: Mapping[str, str]) -> str:
        """The text the customer will read with ``values`` (missing ones keep ``{{n}}``)."""
        return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), self.body)

    def as_dict(self) -> dict[str, Any]:
        return {
            "sid": self.sid,
            "name": self.name,
            "language": self.language,
            "body": self.body,
            "category": self.category,
            "placeholders": self.placeholders,
            "variables": dict(self.variables),
        }


def template_from_content(content: Mapping[str, Any]) -> Template | None:
    """A ``Template`` from one Content API item if WhatsApp approved it, else None."""
    approval = content.get("approval_requests") or {}
    if isinstance(approval, Mapping) and isinstance(approval.get("whatsapp"), Mapping):
        approval = approval["whatsapp"]
    if not isinstance(approval, Mapping) or str(approval.get("status", "")).lower() != APPROVED:
        return None
    sid = str(content.get("sid") or "")
    if not sid:
        return None
    types = content.get("types") or {}
    body = ""
    if isinstance(types, Mapping):
        for value in types.values():
            if isinstance(value, Mapping) and value.get("body"):
                body = str(value["body"])
                break
    variables = content.get("variables") or {}
    return Template(
        sid=sid,
        name=str(content.get("friendly_name") or approval.get("name") or sid),
        language=str(content.get("language") or ""),
        body=body,
        category=str(approval["category"]) if approval.get("category") else None,
        variables=(
            {str(k): str(v) for k, v in variables.items()} if isinstance(variables, Mapping) else {}
        ),
    )


def check_variables(template: Template, values: object) -> dict[str, str]:
    """The ``ContentVariables`` for ``template``, or ValueError saying what is wrong."""
    if values is None:
        values = {}
    if not isinstance(values, Mapping):
        raise ValueError("template variables must be an object of strings")
    clean: dict[str, str] = {}
    for key, value in values.items():
        if not isinstance(value, str | int | float) or isinstance(value, bool):
            raise ValueError(f"template variable {key!r} must be text")
        text = str(value).strip()
        if len(text) > MAX_VARIABLE_CHARS:
            raise ValueError(f"template variable {key!r} is too long")
        clean[str(key)] = text
    missing = [name for name in template.placeholders if not clean.get(name)]
    if missing:
        raise ValueError(f"template {template.name!r} needs a value for {{{{{missing[0]}}}}}")
    unknown = sorted(set(clean) - set(template.placeholders))
    if unknown:
        raise ValueError(f"template {template.name!r} has no variable {unknown[0]!r}")
    return clean


Fetch = Callable[[], Awaitable[list[Mapping[str, Any]]]]


class TemplateCatalog:
    """The approved templates, re-read from the Content API at most every ``ttl`` seconds.

    ``fetch`` returns the raw Content API items (the connector passes one that calls
    Twilio's REST client); concurrent readers share one fetch.
    """

    def __init__(self, fetch: Fetch, ttl: float) -> None:
        self.fetch = fetch
        self.ttl = ttl
        self._templates: dict[str, Template] = {}
        self._read_at = float("-inf")
        self._lock = asyncio.Lock()
        self.synced = False
        self.error: str | None = None

    async def all(self, *, refresh: bool = False) -> list[Template]:
        """The approved templates by name; synced first when stale (or ``refresh``)."""
        if refresh or time.monotonic() - self._read_at > self.ttl:
            await self.sync()
        return sorted(self._templates.values(), key=lambda t: (t.name, t.language))

    async def get(self, sid: str) -> Template | None:
        """The approved template ``sid``; an unknown sid re-syncs once (it may be new)."""
        await self.all()
        if sid not in self._templates:
            await self.sync()
        return self._templates.get(sid)

    async def sync(self) -> None:
        """Read the list from Twilio; on failure keep the last one and note the error."""
        async with self._lock:
            try:
                items = await self.fetch()
            except (TwilioException, *NETWORK_ERRORS) as exc:
                self.error = f"cannot read templates from Twilio: {exc}"
                log.warning("%s", self.error)
                self._read_at = time.monotonic()  # retry after ttl, not on every call
                return
            found = [t for t in (template_from_content(item) for item in items) if t]
            self._templates = {t.sid: t for t in found}
            self._read_at = time.monotonic()
            self.synced = True
            self.error = None
