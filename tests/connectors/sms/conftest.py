"""SMS test settings: no outbox unless a test runs one against the simulator, so no
test ever reaches for the real api.twilio.com."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.settings import Settings
from tests.conftest import make_settings


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    return make_settings(db_url, tmp_path, outbox_enabled=False)
