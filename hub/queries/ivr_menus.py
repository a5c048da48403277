"""Reads for the phone menus' admin page."""

from __future__ import annotations

from sqlalchemy import case, select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.models import IvrMenu
from hub.models.ivr import ANY_NUMBER


async def list_menus(session: AsyncSession) -> list[IvrMenu]:
    """Every phone menu: the numbers' own by number, the ``*`` menu last."""
    result = await session.execute(
        select(IvrMenu).order_by(case((IvrMenu.number == ANY_NUMBER, 1), else_=0), IvrMenu.number)
    )
    return list(result.scalars())
