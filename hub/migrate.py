"""Running Alembic from code: ``hub migrate``, ``hub serve`` on an empty database, tests."""

from __future__ import annotations

import asyncio

from alembic import command
from alembic.config import Config

# Alembic's package-resource form: hub/migrations inside the installed package (a
# symlink to the repository's migrations/ in a checkout), not a source-tree path.
SCRIPT_LOCATION = "hub:migrations"


def alembic_config(url: str) -> Config:
    """The Alembic configuration ``alembic.ini`` describes, built in code so an installed
    hub needs no ini file: the package's migrations, on ``url``."""
    config = Config()
    config.set_main_option("script_location", SCRIPT_LOCATION)
    config.attributes["url"] = url
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """``alembic upgrade`` on ``url``. Call from a thread when an event loop is running."""
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str = "base") -> None:
    command.downgrade(alembic_config(url), revision)


async def upgrade_async(url: str, revision: str = "head") -> None:
    await asyncio.to_thread(upgrade, url, revision)
