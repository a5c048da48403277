"""Email test settings: the SMTP receiver on a free loopback port, outbound mail to a
loopback mail catcher, no outbox worker (tests drain it themselves)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from hub.settings import Settings
from simulators.mail.sink import MailSink
from tests.conftest import make_settings
from tests.connectors.email.support import SHOP, DkimKey, make_dkim_key
from tests.connectors.webchat.conftest import visitors as visitors  # the widget's fixture


@pytest.fixture
async def sink() -> AsyncIterator[MailSink]:
    catcher = MailSink()
    await catcher.start()
    try:
        yield catcher
    finally:
        await catcher.stop()


@pytest.fixture
def email_env(sink: MailSink) -> dict[str, str]:
    return {
        "HUB_SMTP_LISTEN": "127.0.0.1:0",
        "HUB_SMTP_URL": sink.url,
        "HUB_EMAIL_ADDRESS": SHOP,
        "HUB_EMAIL_TRUSTED_AUTHSERV_ID": "mx.shop.example",
    }


@pytest.fixture
def settings(db_url: str, tmp_path: Path, email_env: dict[str, str]) -> Settings:
    return make_settings(db_url, tmp_path, outbox_enabled=False, environ=email_env)


@pytest.fixture(scope="session")
def dkim_key(tmp_path_factory: pytest.TempPathFactory) -> DkimKey:
    return make_dkim_key(tmp_path_factory.mktemp("dkim"))
