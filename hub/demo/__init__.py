"""``hub demo``: a believable retailer — agents, stores, terminals, a few hundred
customers with histories across webchat, SMS, phone and stores, and orders.

Everything is written through the action functions with backdated timestamps over
the last 30 days, from a seeded random source: the same call produces the same
people and stories (times are relative to now). Provider ids and order ids are
deterministic, so loading twice adds nothing. Nothing is ever sent: agent replies
in the history are recorded as already delivered (``hub.demo.writer``).
"""

from __future__ import annotations

import random
import time
from datetime import datetime, timedelta

from hub.actions.hours import set_business_hours
from hub.actions.staff import create_agent, create_store, create_terminal
from hub.actions.threads import assign_thread, set_thread_status
from hub.core import Hub
from hub.db import utcnow
from hub.demo import data
from hub.demo.showcase import maria
from hub.demo.stories import STORIES, Cast, online_order
from hub.demo.writer import DemoWriter, Person
from hub.models import Agent
from hub.models.hours import store_team
from hub.models.thread import PENDING, RESOLVED
from hub.queries.staff import count_customers, find_agent, find_store, list_stores

SEED = 20240501
DAYS = 30
BATCH = 25


async def load_demo(
    hub: Hub, *, customers: int = 300, if_empty: bool = False, quiet: bool = False
) -> bool:
    """Load the demo retailer; returns False (and does nothing) when ``if_empty`` and
    customers already exist. Prints the demo console login unless ``quiet``."""
    started = time.perf_counter()
    async with hub.read() as session:
        existing = await count_customers(session)
    if if_empty and existing:
        _say(quiet, f"demo: {existing} customers already exist; nothing loaded")
        return False

    rng = random.Random(SEED)
    now = utcnow()
    agents = await _staff(hub)
    async with hub.read() as session:
        stores = [(s.code, s.name) for s in await list_stores(session)]
    cast = Cast(rng, agents, stores, hub.settings.twilio_voice_number or "+15550100000")
    counters: dict[str, int] = {}

    async with hub.uow() as uow:
        await maria(DemoWriter(uow, counters), cast, now)
    people = _people(rng, customers - 1)
    # Several customers per transaction: far fewer commits, same result.
    for start in range(0, len(people), BATCH):
        async with hub.uow() as uow:
            for person in people[start : start + BATCH]:
                await _history(DemoWriter(uow, counters), cast, person, now)

    elapsed = time.perf_counter() - started
    _say(quiet, f"demo: loaded {customers} customers in {elapsed:.1f}s")
    _say(
        quiet,
        "demo login (DEMO DATA ONLY — change or remove before real use): "
        f"{data.AGENTS[0][0]} / {data.DEMO_PASSWORD} "
        f"(agents: {', '.join(a[0] for a in data.AGENTS[1:])}, same password)",
    )
    return True


def _say(quiet: bool, text: str) -> None:
    if not quiet:
        print(text, flush=True)


async def _staff(hub: Hub) -> list[Agent]:
    """The demo agents, stores (with their opening hours) and terminals (existing ones
    are kept as they are)."""
    async with hub.uow() as uow:
        agents: list[Agent] = []
        for email, name, role in data.AGENTS:
            agent = await find_agent(uow.session, email)
            if agent is None:
                agent = await create_agent(
                    uow, email, name, data.DEMO_PASSWORD, role=role, actor="demo"
                )
            agents.append(agent)
        for code, name, address, timezone, terminals in data.STORES:
            if await find_store(uow.session, code) is not None:
                continue
            await create_store(uow, code, name, address=address, timezone=timezone, actor="demo")
            await set_business_hours(
                uow,
                timezone=timezone,
                intervals=list(data.STORE_HOURS),
                team=store_team(code),
                actor="demo",
            )
            for terminal_name, role in terminals:
                await create_terminal(uow, code, terminal_name, role=role, actor="demo")
    return agents


def _people(rng: random.Random, count: int) -> list[Person]:
    """``count`` distinct people with fictional 555-01XX numbers and example.com emails."""
    people = []
    for n in range(count):
        first, last = rng.choice(data.FIRST_NAMES), rng.choice(data.LAST_NAMES)
        area = data.AREA_CODES[n // 100 % len(data.AREA_CODES)]
        people.append(
            Person(
                name=f"{first} {last}",
                phone=f"+1{area}55501{n % 100:02d}",
                email=f"{first}.{last}.{n}@example.com".lower(),
                loyalty=f"LOY-{200000 + n}",
            )
        )
    return people


async def _history(w: DemoWriter, cast: Cast, person: Person, now: datetime) -> None:
    """One to five stories, in time order, ending at most a few hours ago; then the
    thread is resolved, parked or left open the way a real inbox would be."""
    rng = cast.rng
    stories = rng.choices(STORIES, weights=(3, 3, 2, 2, 2), k=rng.choice((1, 1, 2, 2, 3, 5)))
    at = now - timedelta(days=rng.uniform(1, DAYS))
    if rng.random() < 0.3:
        at = await online_order(w, cast, person, at)
        at += timedelta(hours=rng.uniform(2, 48))
    for story in stories:
        at = await story(w, cast, person, at)
        at += timedelta(hours=rng.uniform(1, 72))
        if at > now - timedelta(hours=3):
            break
    assert person.customer_id is not None
    age = now - at
    finished = at + timedelta(minutes=rng.randint(5, 90))
    if age > timedelta(days=2) and rng.random() < 0.85:
        await set_thread_status(w.uow, person.customer_id, RESOLVED, at=min(finished, now))
    elif rng.random() < 0.5:
        agent = cast.agent()
        await assign_thread(w.uow, person.customer_id, agent.id, at=min(finished, now))
        if rng.random() < 0.3:
            await set_thread_status(w.uow, person.customer_id, PENDING, at=min(finished, now))
