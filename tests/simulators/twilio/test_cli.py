"""``hub simulate sms`` texts a running hub through a signed webhook."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import select

from hub.cli import build_parser, main
from hub.models import Event
from hub.settings import Settings
from tests.conftest import TWILIO_TEST_SID, TWILIO_TEST_TOKEN, live_server


def hub_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, url: str, token: str | None) -> None:
    monkeypatch.setenv("HUB_PUBLIC_URL", url)
    monkeypatch.setenv("HUB_SECRET_KEY", "cli-test-secret")
    monkeypatch.setenv("HUB_VAR_DIR", str(tmp_path / "cli-var"))
    monkeypatch.setenv("TWILIO_ACCOUNT_SID", TWILIO_TEST_SID)
    monkeypatch.setenv("TWILIO_SMS_NUMBER", "+15550001111")
    if token:
        monkeypatch.setenv("TWILIO_AUTH_TOKEN", token)
    else:
        monkeypatch.delenv("TWILIO_AUTH_TOKEN", raising=False)


def test_simulate_has_twilio_and_sms() -> None:
    args = build_parser().parse_args(["simulate", "twilio", "--port", "8099"])
    assert (args.simulation, args.port) == ("twilio", 8099)
    args = build_parser().parse_args(["simulate", "sms", "--from", "+15551230000", "hi"])
    assert (args.simulation, args.sender, args.body) == ("sms", "+15551230000", "hi")


async def test_simulate_sms_reaches_the_hub_once_per_sid(
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    async with live_server(settings.with_(outbox_enabled=False)) as live:
        hub_env(monkeypatch, tmp_path, live.url, TWILIO_TEST_TOKEN)
        argv = ["simulate", "sms", "--from", "+1 555 123 0000", "--sid", "SM" + "a" * 32]
        for _ in range(2):
            assert await asyncio.to_thread(main, [*argv, "Where is my order? 🧐"]) == 0
        assert "<Response />" in capsys.readouterr().out
        async with live.hub.read() as session:
            [event] = (await session.execute(select(Event))).scalars()
        assert (event.channel, event.body, event.provider_id) == (
            "sms",
            "Where is my order? 🧐",
            "SM" + "a" * 32,
        )


async def test_simulate_sms_with_the_wrong_token_is_refused(
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    async with live_server(settings.with_(outbox_enabled=False)) as live:
        hub_env(monkeypatch, tmp_path, live.url, "some-other-token")
        code = await asyncio.to_thread(main, ["simulate", "sms", "--from", "+15551230000", "hi"])
        assert code == 1
        assert capsys.readouterr().out.startswith("403 ")
        hub_env(monkeypatch, tmp_path, live.url, None)
        assert main(["simulate", "sms", "--from", "+15551230000", "hi"]) == 2
