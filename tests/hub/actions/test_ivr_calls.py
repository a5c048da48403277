"""What the phone says about a pickup's store hours (``hub.actions.ivr_calls``), at fixed
instants in the store's time zone."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from hub.actions.hours import set_business_hours
from hub.actions.ivr_calls import order_status_said, spoken_pickup_hours, spoken_time
from hub.core import Hub
from hub.models import Order, Store
from hub.models.hours import store_team
from hub.rules.hours import make_schedule

# Open 10:00-19:00 every day but Sunday, 10:00-17:30 on Saturday, in Los Angeles.
HOURS = [{"day": d, "open": "10:00", "close": "19:00"} for d in range(5)] + [
    {"day": 5, "open": "10:00", "close": "17:30"}
]
LOS_ANGELES = make_schedule("America/Los_Angeles", HOURS)


@pytest.mark.parametrize(
    ("at", "said"),
    [
        (datetime(2026, 11, 25, 20, 0, tzinfo=UTC), " until 7 pm"),  # Wed 12:00 local
        (datetime(2026, 11, 25, 16, 0, tzinfo=UTC), " from 10 am until 7 pm today"),  # 08:00
        (datetime(2026, 11, 26, 4, 0, tzinfo=UTC), " from tomorrow at 10 am"),  # Wed 20:00
        (datetime(2026, 11, 28, 20, 0, tzinfo=UTC), " until 5:30 pm"),  # Saturday noon
        (datetime(2026, 11, 29, 20, 0, tzinfo=UTC), " from tomorrow at 10 am"),  # Sunday
        (datetime(2026, 11, 29, 2, 0, tzinfo=UTC), " from Monday at 10 am"),  # Sat 18:00
    ],
)
def test_spoken_pickup_hours_in_the_store_time_zone(at: datetime, said: str) -> None:
    assert spoken_pickup_hours(LOS_ANGELES, at) == said


def test_spoken_times() -> None:
    def at(hour: int, minute: int = 0) -> datetime:
        return datetime(2026, 1, 1, hour, minute)

    assert [spoken_time(at(h, m)) for h, m in ((0, 0), (9, 5), (12, 0), (13, 0), (23, 30))] == [
        "midnight",
        "9:05 am",
        "noon",
        "1 pm",
        "11:30 pm",
    ]
    assert spoken_pickup_hours(make_schedule("UTC", []), at(9).replace(tzinfo=UTC)) == ""


async def test_the_pickup_store_is_found_by_name_or_code(hub: Hub) -> None:
    wednesday_noon = datetime(2026, 11, 25, 20, 0, tzinfo=UTC)
    async with hub.uow() as uow:
        uow.session.add(Store(code="UP", name="Uptown", timezone="America/Los_Angeles"))
        await uow.session.flush()
        await set_business_hours(
            uow, timezone="America/Los_Angeles", intervals=HOURS, team=store_team("UP")
        )
        by_name = Order(external_id="1", number="1", status="ready", pickup_location="uptown")
        by_code = Order(
            external_id="2", number="2", status="ready_for_pickup", pickup_location="UP"
        )
        by_store = Order(external_id="3", number="3", status="ready", store_code="UP")
        tagged = Order(external_id="6", number="6", status="ready", pickup_location="Up (up)")
        unknown = Order(external_id="4", number="4", status="ready", pickup_location="Mall")
        shipped = Order(external_id="5", number="5", status="shipped", store_code="UP")
        said = [
            await order_status_said(uow, order, wednesday_noon)
            for order in (by_name, by_code, by_store, tagged, unknown, shipped)
        ]
    assert said == [
        "Your order 1 is ready for pickup at uptown until 7 pm.",
        "Your order 2 is ready for pickup at UP until 7 pm.",
        "Your order 3 is ready for pickup at Uptown until 7 pm.",
        "Your order 6 is ready for pickup at Up (up) until 7 pm.",
        "Your order 4 is ready for pickup at Mall.",
        "Your order 5 is on its way.",
    ]
