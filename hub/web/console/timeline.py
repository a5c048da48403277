"""Turning timeline events into what the thread page shows.

Handoff markers ("moved from webchat to phone — 3 min later") are not stored: they
are derived here, at render time, from consecutive customer-facing events (those
with a direction) whose channels differ. ``console.js`` applies the same rule to
events that arrive live or load on scroll.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from hub.models import Detail, Event
from hub.models.customer import FROM_TEXT
from hub.models.thread import ASSIST, CALL, IN, MESSAGE, NOTE, OUT, VISIT
from hub.rules.mentions import find_mentions
from hub.serializers import event_dict
from hub.web.console.event_details import call_route_text, csat_text
from hub.web.console.render import gap, iso, when

SAVABLE = (MESSAGE, CALL, VISIT)
MAX_MEDIA = 10
MAX_FILES = 20


@dataclass(slots=True)
class Entry:
    """One timeline row, with everything the template shows precomputed (rendering
    50 rows stays cheap)."""

    id: int
    type: str
    channel: str
    direction: str | None
    body: str | None
    status: str | None
    error_message: str | None
    data: dict[str, Any]
    iso: str
    when: str
    who: str
    handoff: str | None = None
    # Outbound messages and calls show a live delivery/call status.
    shows_status: bool = False
    # Inbound customer input can be saved as a detail.
    savable: bool = False
    # A store's assist request nobody has answered yet.
    assist_open: bool = False
    # How a call was routed, or a CSAT reply's score (``event_details``).
    detail: str | None = None
    # MMS and other attachments, already filtered by ``media_of``.
    media: list[Media] = field(default_factory=list)
    # Channels with subjects and quoted history (email): ``data.subject``/``data.quoted``.
    subject: str | None = None
    quoted: str | None = None
    # A sanitised HTML body (``data.html``), shown on demand in a sandboxed frame.
    html: str | None = None
    # Named attachments (``data.attachments``), shown instead of ``media`` when present.
    files: list[File] = field(default_factory=list)
    # The body cut into ``(text, is_a_detail)`` pieces where details were read from it
    # (``mark_mentions``); empty when nothing is highlighted.
    spans: list[tuple[str, bool]] = field(default_factory=list)


@dataclass(slots=True, frozen=True)
class Media:
    """One attachment: shown as an image when ``image`` (an http(s) image URL), else a link."""

    url: str
    content_type: str
    image: bool


@dataclass(slots=True, frozen=True)
class File:
    """A named attachment; ``url`` is None when it was not kept (``omitted`` says why)."""

    name: str
    size: str
    url: str | None
    omitted: str | None


def size_text(size: object) -> str:
    """``2.1 MB`` / ``14 KB`` / ``900 B`` (``console.js`` formats alike)."""
    if not isinstance(size, int) or size < 0:
        return ""
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MB"
    if size >= 1024:
        return f"{size // 1024} KB"
    return f"{size} B"


def _listed(data: dict[str, Any], key: str, most: int) -> list[dict[str, Any]]:
    """The objects among the first ``most`` items of the list ``data[key]``."""
    raw = data.get(key)
    if not isinstance(raw, list):
        return []
    return [item for item in raw[:most] if isinstance(item, dict)]


def _http_url(value: object) -> str | None:
    """``value`` if it is an http(s) URL (never a ``javascript:`` or ``data:`` link)."""
    if isinstance(value, str) and value.lower().startswith(("https://", "http://")):
        return value
    return None


def files_of(data: dict[str, Any]) -> list[File]:
    """``data["attachments"]`` (``[{"filename", "size", "url"?, "omitted"?}]``) as rows;
    like ``media_of``, only http(s) URLs become links."""
    result = []
    for item in _listed(data, "attachments", MAX_FILES):
        name, url, omitted = item.get("filename"), _http_url(item.get("url")), item.get("omitted")
        result.append(
            File(
                name if isinstance(name, str) and name else "attachment",
                size_text(item.get("size")),
                url,
                omitted if isinstance(omitted, str) else ("not kept" if url is None else None),
            )
        )
    return result


def _text(data: dict[str, Any], key: str) -> str | None:
    value = data.get(key)
    return value if isinstance(value, str) and value.strip() else None


def media_of(data: dict[str, Any]) -> list[Media]:
    """``data["media"]`` (``[{"url", "content_type"}]``) reduced to safe links: only
    http(s) URLs are kept (no ``javascript:`` or ``data:``), images only by content type.
    ``console.js`` applies the same rule to live events."""
    result = []
    for item in _listed(data, "media", MAX_MEDIA):
        url, kind = _http_url(item.get("url")), item.get("content_type")
        if url is None:
            continue
        kind = kind if isinstance(kind, str) else ""
        result.append(Media(url, kind, kind.lower().startswith("image/")))
    return result


def handoff_text(previous: Event, current: Event) -> str:
    return f"moved from {previous.channel} to {current.channel} — " + gap(
        current.created_at, previous.created_at
    )


def who_of(event: Event, author: str | None, customer_name: str) -> str:
    if event.type == NOTE:
        return f"Private note · {author}" if author else "Private note"
    if event.direction == IN:
        return customer_name
    if event.direction == OUT:
        return author or "Agent"
    return author or event.type.capitalize()


def entries(
    events_oldest_first: list[Event], agent_names: dict[int, str], customer_name: str
) -> list[Entry]:
    """The events as rows and, where the customer changed channel, a handoff marker."""
    result: list[Entry] = []
    previous: Event | None = None
    for event in events_oldest_first:
        data = event.data or {}
        kind, direction, created_at = event.type, event.direction, event.created_at
        entry = Entry(
            id=event.id,
            type=kind,
            channel=event.channel,
            direction=direction,
            body=event.body,
            status=event.status,
            error_message=event.error_message,
            data=data,
            iso=iso(created_at),
            when=when(created_at),
            who=who_of(event, author_of(event, agent_names), customer_name),
            shows_status=(kind == MESSAGE and direction == OUT)
            or (kind == CALL and bool(event.status)),
            savable=direction == IN and kind in SAVABLE and bool(event.body),
        )
        if data:  # most events carry none: the defaults are what an empty one gives
            _read_data(entry, data, agent_names)
        if direction is not None:
            if previous is not None and previous.channel != event.channel:
                entry.handoff = handoff_text(previous, event)
            previous = event
        result.append(entry)
    return result


def _read_data(entry: Entry, data: dict[str, Any], agent_names: dict[int, str]) -> None:
    """What ``entry`` shows from its event's ``data``: assist state, media, attachments,
    email parts and the call-route or CSAT line."""
    entry.assist_open = entry.type == ASSIST and data.get("status") == "open"
    entry.media = media_of(data)
    entry.subject = _text(data, "subject")
    entry.quoted = _text(data, "quoted")
    entry.html = _text(data, "html")
    entry.files = files_of(data)
    entry.detail = call_route_text(data, agent_names) if entry.type == CALL else csat_text(data)


def mark_mentions(
    rows: list[Entry], details: list[Detail], region: str, order_pattern: str | None
) -> None:
    """Highlight, in each row's body, the details read from it (``hub.actions.mentions``)
    that are still kept: a discarded one is no longer highlighted."""
    kept: dict[int, set[tuple[str, str]]] = {}
    for detail in details:
        if detail.origin == FROM_TEXT and detail.source_event_id is not None:
            kept.setdefault(detail.source_event_id, set()).add((detail.key, detail.value))
    for row in rows:
        wanted = kept.get(row.id)
        if not wanted or not row.body:
            continue
        body, spans, at = row.body, [], 0
        for mention in find_mentions(body, region, order_pattern):
            if (mention.key, mention.value) not in wanted or mention.start < at:
                continue
            spans += [(body[at : mention.start], False), (body[mention.start : mention.end], True)]
            at = mention.end
        if spans:
            row.spans = [*spans, (body[at:], False)]


def author_of(event: Event, agent_names: dict[int, str]) -> str | None:
    data = event.data or {}
    if event.agent_id is not None and event.agent_id in agent_names:
        return agent_names[event.agent_id]
    name = data.get("agent_name")
    return name if isinstance(name, str) else None


def event_json(event: Event, agent_names: dict[int, str]) -> dict[str, Any]:
    """The REST API's event shape plus ``author`` for the console script."""
    return {**event_dict(event), "author": author_of(event, agent_names)}
