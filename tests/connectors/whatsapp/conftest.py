"""WhatsApp test settings: the hub's WhatsApp sender set; no outbox unless a test runs
one against the simulator, so no test ever reaches for the real api.twilio.com."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.settings import Settings
from tests.conftest import make_settings

WHATSAPP_NUMBER = "+15550003333"


def whatsapp_settings(db_url: str, tmp_path: Path, **overrides: object) -> Settings:
    return make_settings(
        db_url,
        tmp_path,
        environ={"TWILIO_WHATSAPP_NUMBER": f"whatsapp:{WHATSAPP_NUMBER}"},
        **overrides,
    )


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    return whatsapp_settings(db_url, tmp_path, outbox_enabled=False)
