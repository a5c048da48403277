"""The business-hours admin page: time zone, weekly intervals (overnight allowed),
holidays, typical reply time and the out-of-hours auto-reply of a team, or a store's
opening hours. ``?team=`` picks the schedule (``default``, another team's name, or
``store:<CODE>``; the form carries it back as ``team``); a new team's schedule is
created by saving it.

The form posts parallel lists ``day`` / ``open`` / ``close`` (one entry per row; rows
with neither time are ignored) and ``holidays`` as dates separated by spaces, commas
or new lines. ``hub.actions.hours.set_business_hours`` validates; its ``Invalid``
message is shown above the form, which keeps what the admin typed.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from hub.actions.hours import DEFAULT_AUTO_REPLY, format_opening, schedule_of, set_business_hours
from hub.errors import HubError, Invalid
from hub.models import BusinessHours
from hub.models.hours import DEFAULT_TEAM
from hub.queries.hours import hours_choices, hours_row
from hub.rules.hours import DAYS, is_open, next_opening
from hub.web.console.auth import actor, console_view, hub_of
from hub.web.console.forms import field
from hub.web.console.render import render

DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
BLANK_ROWS = 3


def _strings(form: FormData, name: str) -> list[str]:
    return [v.strip() if isinstance(v, str) else "" for v in form.getlist(name)]


def parse_form(form: FormData) -> dict[str, Any]:
    """The submitted schedule in ``set_business_hours``'s shape (not yet validated)."""
    days, opens, closes = _strings(form, "day"), _strings(form, "open"), _strings(form, "close")
    intervals = []
    for day, start, end in zip(days, opens, closes, strict=False):
        if start or end:
            intervals.append(
                {"day": int(day) if day.isdigit() else day, "open": start, "close": end}
            )
    holidays = [h for h in re.split(r"[\s,;]+", field(form, "holidays")) if h]
    minutes = field(form, "reply_minutes").strip() or "5"
    return {
        "team": field(form, "team").strip() or DEFAULT_TEAM,
        "timezone": field(form, "timezone").strip() or "UTC",
        "intervals": intervals,
        "holidays": holidays,
        "reply_minutes": minutes,
        "auto_reply": field(form, "auto_reply"),
    }


def _status(row: BusinessHours | None) -> str:
    if row is None or not row.intervals:
        return "No business hours set: the team counts as always open."
    schedule = schedule_of(row)
    now = datetime.now(UTC)
    if is_open(schedule, now):
        return "Open now."
    return f"Closed now; opens {format_opening(schedule, next_opening(schedule, now))}."


async def _page(
    request: Request, team: str, draft: dict[str, Any] | None = None, error: str | None = None
) -> Response:
    async with hub_of(request).read() as db:
        row = await hours_row(db, team)
        choices = await hours_choices(db)
    chosen = next((c for c in choices if c.team == team), None)
    values = draft or {
        "team": team,
        "timezone": row.timezone if row else (chosen.timezone if chosen else "UTC"),
        "intervals": list(row.intervals) if row else [],
        "holidays": list(row.holidays) if row else [],
        "reply_minutes": row.reply_minutes if row else 5,
        "auto_reply": (row.auto_reply or "") if row else "",
    }
    context: dict[str, Any] = {
        "section": "hours",
        "team": team,
        "team_label": chosen.label if chosen else f"Team {team}",
        "choices": choices,
        "hours": values,
        "rows": list(values["intervals"]) + [{}] * BLANK_ROWS,
        "day_names": DAY_NAMES,
        "day_index": day_index,
        "status": _status(row),
        "default_auto_reply": DEFAULT_AUTO_REPLY,
    }
    if error is not None:
        context["error"] = error
    return render(request, "admin/hours.html", context, status=422 if error else 200)


def day_index(value: Any) -> int | None:
    """The 0-6 day of a stored interval (ints or day names), for the form's select."""
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value[:3].lower() in DAYS:
        return DAYS.index(value[:3].lower())
    return None


@console_view(admin=True)
async def hours_page(request: Request) -> Response:
    return await _page(request, request.query_params.get("team", "").strip() or DEFAULT_TEAM)


async def _again(request: Request, exc: HubError) -> Response:
    """Refused: the page again (422) with the message, keeping what the admin typed."""
    draft = parse_form(await request.form())
    return await _page(request, str(draft["team"]), draft, exc.message)


@console_view(admin=True, refused=_again)
async def hours_save(request: Request) -> Response:
    draft = parse_form(await request.form())
    team = str(draft["team"])
    minutes = str(draft["reply_minutes"])
    if not minutes.isdigit() or len(minutes) > 6:
        raise Invalid("typical reply time is a whole number of minutes")
    async with hub_of(request).uow() as uow:
        await set_business_hours(
            uow,
            timezone=draft["timezone"],
            intervals=draft["intervals"],
            holidays=draft["holidays"],
            reply_minutes=int(minutes),
            auto_reply=draft["auto_reply"] or None,
            team=team,
            actor=actor(request),
        )
    request.session["flash"] = "Business hours saved."
    back = "/admin/hours" if team == DEFAULT_TEAM else f"/admin/hours?team={quote(team)}"
    return RedirectResponse(back, 303)
