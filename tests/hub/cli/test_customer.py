"""``hub customer export|erase`` and ``hub purge-recordings`` through ``hub.cli.main``."""

from __future__ import annotations

import asyncio
import io
import json
from pathlib import Path

import pytest

from hub.actions.inbound import receive_inbound
from hub.cli import main
from hub.core import Hub
from hub.settings import Settings
from hub.types import Inbound
from tests.conftest import TEST_SECRET


@pytest.fixture
def env(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("HUB_DATABASE_URL", db_url)
    monkeypatch.setenv("HUB_SECRET_KEY", TEST_SECRET)
    monkeypatch.setenv("HUB_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.delenv("HUB_RECORDING_RETENTION_DAYS", raising=False)
    return db_url


def add_customer(db_url: str) -> int:
    async def go() -> int:
        hub = Hub(Settings(database_url=db_url, secret_key=TEST_SECRET))
        try:
            async with hub.uow() as uow:
                received = await receive_inbound(
                    uow,
                    Inbound(
                        channel="sms",
                        kind="phone",
                        address="+15550103333",
                        body="my address is 1 Main St",
                        provider_id="SM1",
                        name="Alan Turing",
                    ),
                )
            return received.customer.id
        finally:
            await hub.dispose()

    return asyncio.run(go())


def test_export_prints_json(env: str, capsys: pytest.CaptureFixture[str]) -> None:
    customer_id = add_customer(env)
    assert main(["customer", "export", str(customer_id)]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["customer"]["name"] == "Alan Turing"
    assert data["identities"][0]["address"] == "+15550103333"


def test_export_of_unknown_customer_fails(env: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["customer", "export", "404"]) == 2
    assert "not found" in capsys.readouterr().err


def test_erase_asks_for_confirmation(
    env: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    customer_id = add_customer(env)
    monkeypatch.setattr("sys.stdin", io.StringIO("no\n"))
    assert main(["customer", "erase", str(customer_id)]) == 2
    monkeypatch.setattr("sys.stdin", io.StringIO("erase\n"))
    assert main(["customer", "erase", str(customer_id)]) == 0
    assert "erased: 1 identities" in capsys.readouterr().out
    assert main(["customer", "erase", "--yes", str(customer_id)]) == 0
    assert "already erased" in capsys.readouterr().out
    assert main(["customer", "export", str(customer_id)]) == 0
    exported = capsys.readouterr().out
    assert "Alan Turing" not in exported and "1 Main St" not in exported


def test_purge_recordings_needs_a_period(env: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["purge-recordings"]) == 2
    assert "HUB_RECORDING_RETENTION_DAYS" in capsys.readouterr().err
    assert main(["purge-recordings", "--days", "30"]) == 0
    assert "0 calls" in capsys.readouterr().out
