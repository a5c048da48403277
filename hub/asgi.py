"""ASGI entry point for uvicorn and other servers: ``uvicorn hub.asgi:app``."""

import logging
import os

from hub.app import create_app
from hub.logging import configure_logging
from hub.settings import Settings

settings = Settings.from_env()
if not logging.getLogger().handlers:  # a worker process of `hub serve --workers N`
    configure_logging(settings)
app = create_app(settings, run_outbox=os.environ.get("HUB_OUTBOX", "on").lower() != "off")
