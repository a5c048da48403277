"""Reads for the business-hours pages: one schedule, and the schedules an admin may edit."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.models import BusinessHours, Store
from hub.models.hours import DEFAULT_TEAM, STORE_TEAM_PREFIX, store_team


@dataclass(frozen=True)
class HoursChoice:
    """A schedule an admin can pick: ``team`` (its key) and what the page calls it;
    ``timezone`` is the one a new schedule starts with (a store's own)."""

    team: str
    label: str
    timezone: str = "UTC"
    configured: bool = False


async def hours_row(session: AsyncSession, team: str = DEFAULT_TEAM) -> BusinessHours | None:
    result = await session.execute(select(BusinessHours).where(BusinessHours.team == team))
    return result.scalar_one_or_none()


async def hours_choices(session: AsyncSession) -> list[HoursChoice]:
    """The default team, every other team with a schedule, then every store (its
    opening hours), in that order."""
    configured = set((await session.execute(select(BusinessHours.team))).scalars())
    choices = [HoursChoice(DEFAULT_TEAM, "Default team", configured=DEFAULT_TEAM in configured)]
    choices += [
        HoursChoice(team, f"Team {team}", configured=True)
        for team in sorted(configured)
        if team != DEFAULT_TEAM and not team.startswith(STORE_TEAM_PREFIX)
    ]
    for store in (await session.execute(select(Store).order_by(Store.code))).scalars():
        team = store_team(store.code)
        choices.append(
            HoursChoice(
                team,
                f"Store {store.code} ({store.name})",
                store.timezone,
                configured=team in configured,
            )
        )
    return choices
