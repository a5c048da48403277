"""ASGI entry point for uvicorn and other servers: ``uvicorn hub.asgi:app``."""

import os

from hub.app import create_app
from hub.settings import Settings

app = create_app(
    Settings.from_env(), run_outbox=os.environ.get("HUB_OUTBOX", "on").lower() != "off"
)
