"""Phone menus (IVR) configured in the console, one per number the hub answers.

A menu applies to calls *to* its ``number`` (E.164; ``"*"``: every number without a
menu of its own). It says the ``greeting``, offers the options switched on
(``order_status``: a carrier-verified caller hears their open order's status;
``talk_to_someone``: press 0 after it; ``callback``: press 2 to be called back, after
the status and in the queue's wait music), follows the business hours of the schedule
``hours`` (a team's name or ``store:<CODE>``, ``hub.models.hours``) and, while those
are closed, takes a voicemail after ``voicemail_greeting`` or books a callback
(``closed_action``). Without any menu the hub answers as the built-in default does.
"""

from __future__ import annotations

from sqlalchemy import Boolean, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hub.db import Base, CreatedAt, UpdatedAt
from hub.models.hours import DEFAULT_TEAM

ANY_NUMBER = "*"
CLOSED_VOICEMAIL = "voicemail"
CLOSED_CALLBACK = "callback"
CLOSED_ACTIONS = (CLOSED_VOICEMAIL, CLOSED_CALLBACK)


class IvrMenu(CreatedAt, UpdatedAt, Base):
    __tablename__ = "ivr_menus"

    number: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    greeting: Mapped[str | None] = mapped_column(Text)
    order_status: Mapped[bool] = mapped_column(Boolean, default=True)
    talk_to_someone: Mapped[bool] = mapped_column(Boolean, default=True)
    callback: Mapped[bool] = mapped_column(Boolean, default=True)
    hours: Mapped[str] = mapped_column(String(64), default=DEFAULT_TEAM)
    closed_action: Mapped[str] = mapped_column(String(16), default=CLOSED_VOICEMAIL)
    voicemail_greeting: Mapped[str | None] = mapped_column(Text)
