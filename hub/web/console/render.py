"""Rendering console pages: one Jinja2 environment (autoescape always on) and filters.

Everything user-provided reaches the page through autoescaped expressions; no
template marks data ``|safe``. The one exception is made in Python: the reports
page wraps ``hub.reports.charts``' SVG (escaped by its builders) in ``Markup``. The CSP
forbids inline scripts and styles, so data for the console script travels in
``data-*`` attributes.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from typing import Any

import jinja2
from starlette.requests import Request
from starlette.responses import Response
from starlette.templating import Jinja2Templates

from hub.db import utcnow
from hub.web.console.auth import csrf_token, hub_of

# From the largest unit down; a duration is told in the largest one it reaches.
_UNITS = ((86400, "d"), (3600, "h"), (60, "m"))
_GAP_UNITS = {"s": "s", "m": "min", "h": "h"}


def _largest_unit(seconds: int) -> tuple[int, str]:
    """``seconds`` as a whole number of the largest unit it reaches: ``(3, "h")``."""
    for size, unit in _UNITS:
        if seconds >= size:
            return seconds // size, unit
    return seconds, "s"


def ago(value: datetime | None, now: datetime | None = None) -> str:
    """A short relative duration: ``"45s"``, ``"12m"``, ``"3h"``, ``"2d"``."""
    if value is None:
        return ""
    count, unit = _largest_unit(max(0, int(((now or datetime.now(UTC)) - value).total_seconds())))
    return f"{count}{unit}"


def gap(later: datetime, earlier: datetime) -> str:
    """``"3 min later"``-style wording for a handoff marker."""
    count, unit = _largest_unit(max(0, int((later - earlier).total_seconds())))
    if unit == "d":
        return f"{count} day later" if count == 1 else f"{count} days later"
    return f"{count} {_GAP_UNITS[unit]} later"


def when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else ""


def iso(value: datetime | None) -> str:
    return value.isoformat().replace("+00:00", "Z") if value else ""


def money(cents: int | None, currency: str = "USD") -> str:
    return f"{(cents or 0) / 100:,.2f} {currency}"


def duration(seconds: Any) -> str:
    try:
        total = int(float(seconds))
    except (TypeError, ValueError):
        return ""
    return f"{total // 60}:{total % 60:02d}"


def time_left(until: Any) -> str:
    """``"5 h 12 min"`` from now until ``until`` (a UTC datetime); ``"0 min"`` once past."""
    if not isinstance(until, datetime):
        return ""
    minutes = max(0, int((until - utcnow()).total_seconds() // 60))
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min" if hours else f"{minutes} min"


def web_url(value: Any) -> str:
    """``value`` if it is an http(s) or same-site URL, else "" (no ``javascript:`` links)."""
    if isinstance(value, str) and (
        value.startswith(("https://", "http://"))
        or (value.startswith("/") and not value.startswith("//"))
    ):
        return value
    return ""


def console_scripts(request: Request) -> list[str]:
    """The scripts connectors add to every console page (``Connector.console_scripts``)."""
    hub = hub_of(request)
    return [path for c in hub.connectors.values() for path in c.console_scripts]


@cache
def templates() -> Jinja2Templates:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("hub", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(ago=ago, when=when, iso=iso, money=money, duration=duration, web_url=web_url)
    env.globals["time_left"] = time_left
    env.globals["gap"] = gap
    return Jinja2Templates(env=env)


def render(
    request: Request, name: str, context: dict[str, Any] | None = None, *, status: int = 200
) -> Response:
    """Render ``templates/console/<name>`` with the signed-in agent, the CSRF token and
    the connectors' console scripts."""
    agent = getattr(request.state, "agent", None)
    values: dict[str, Any] = {
        "agent": agent,
        "console_scripts": console_scripts(request) if agent is not None else [],
        "csrf": csrf_token(request),
        "path": request.url.path,
        "flash": request.session.pop("flash", None),
    }
    values.update(context or {})
    return templates().TemplateResponse(request, f"console/{name}", values, status_code=status)
