"""``GET /threads``: the inbox, most recently active first, with cursor pagination."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hub.errors import Invalid
from hub.models import Thread
from hub.models.thread import THREAD_STATUSES
from hub.queries.threads import thread_page
from hub.queries.timeline import MAX_PAGE
from hub.serializers import customer_dict
from hub.web.api.endpoint import Call, Endpoint, Reply
from hub.web.api.schema import INT64_MAX, Int, Param, Str
from hub.web.api.shapes import page_of

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
CURSOR_PATTERN = "^[0-9]{1,17}\\.[0-9]{1,19}$"


def _cursor(thread: Thread) -> str:
    micros = (thread.last_activity_at - EPOCH) // timedelta(microseconds=1)
    return f"{micros}.{thread.id}"


def _parse_cursor(text: str) -> tuple[datetime, int]:
    micros, _, thread_id = text.partition(".")
    try:
        when = EPOCH + timedelta(microseconds=int(micros))
        ident = int(thread_id)
    except (ValueError, OverflowError) as exc:
        raise Invalid("before must be a cursor returned as `next`", code="invalid_cursor") from exc
    if ident > INT64_MAX or when.year > 9999:
        raise Invalid("before must be a cursor returned as `next`", code="invalid_cursor")
    return when, ident


async def list_threads(call: Call) -> Reply:
    limit = call.params["limit"] or 50
    before = _parse_cursor(call.params["before"]) if call.params["before"] else None
    async with call.hub.read() as session:
        rows, more = await thread_page(
            session,
            limit,
            before,
            status=call.params["status"],
            last_channel=call.params["channel"],
            assignee_id=call.params["assignee_id"],
        )
    return Reply(
        {
            "items": [customer_dict(c, t) for c, t in rows],
            "next": _cursor(rows[-1][1]) if more and rows else None,
        }
    )


def endpoints() -> list[Endpoint]:
    return [
        Endpoint(
            "GET",
            "/threads",
            list_threads,
            operation_id="listThreads",
            summary="Customers' threads, most recently active first",
            description="Each item is a customer with its `thread`. Filters combine with AND.",
            tag="threads",
            params=[
                Param("status", Str(enum=THREAD_STATUSES)),
                Param(
                    "channel",
                    Str(min_length=1, max_length=16),
                    description="The channel the customer was last active on.",
                ),
                Param("assignee_id", Int(minimum=1), description="Assigned agent's id."),
                Param("limit", Int(minimum=1, maximum=MAX_PAGE), description="Default 50."),
                Param(
                    "before",
                    Str(min_length=1, max_length=40, pattern=CURSOR_PATTERN),
                    description="The `next` cursor of the previous page.",
                ),
            ],
            responses={
                200: ("A page of customers with their threads", page_of("Customer", cursor=True))
            },
        )
    ]
