"""``hub check`` exits 1 on a problem and 0 on a right configuration; ``hub serve``
refuses to start on a fatal problem (and says which) but starts on a warning."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from hub.cli import main
from tests.conftest import TEST_SECRET, live_server, make_settings


@pytest.fixture
def env(sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {
        "HUB_DATABASE_URL": sqlite_url,
        "HUB_SECRET_KEY": TEST_SECRET,
        "HUB_VAR_DIR": str(tmp_path / "var"),
        "HUB_PUBLIC_URL": "http://127.0.0.1:9",
    }.items():
        monkeypatch.setenv(name, value)
    for name in ("HUB_REDIS_URL", "HUB_ALLOWED_ORIGINS", "TWILIO_AUTH_TOKEN", "TWILIO_SMS_NUMBER"):
        monkeypatch.delenv(name, raising=False)
    # hub serve would install its log handler on the root logger, for later tests too.
    monkeypatch.setattr("hub.cli.serve.setup_logging", lambda *a, **kw: None)


async def test_check_passes_on_a_right_configuration(
    env: None,
    sqlite_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    async with live_server(make_settings(sqlite_url, tmp_path)) as server:
        monkeypatch.setenv("HUB_PUBLIC_URL", server.url)
        code = await asyncio.to_thread(main, ["check"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "ok       public URL reachable" in out and "The configuration looks right." in out


def test_check_exits_1_and_says_what_is_wrong(
    env: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TWILIO_SMS_NUMBER", "(555) 010-0100")
    assert main(["check"]) == 1
    out = capsys.readouterr().out
    assert "TWILIO_SMS_NUMBER: '(555) 010-0100' is not a phone number in E.164 form" in out
    assert "PROBLEM  public URL reachable" in out  # nothing listens on port 9


def test_check_says_when_the_key_cannot_be_stored(
    env: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("HUB_SECRET_KEY")
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    monkeypatch.setenv("HUB_VAR_DIR", str(blocker / "var"))
    assert main(["check"]) == 1
    assert "set HUB_SECRET_KEY, or make HUB_VAR_DIR a writable" in capsys.readouterr().err


def test_serve_refuses_to_start_on_a_fatal_problem(
    env: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("HUB_ALLOWED_ORIGINS", "shop.example.com")
    monkeypatch.setattr("hub.cli.serve.serve", _must_not_serve)
    assert main(["serve", "--port", "9"]) == 1
    out = capsys.readouterr().out
    assert "not starting" in out and "HUB_ALLOWED_ORIGINS: 'shop.example.com'" in out


def test_serve_starts_on_a_warning(env: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUB_PUBLIC_URL", "http://support.example.com")  # plain http: a warning
    served = []
    monkeypatch.setattr("hub.cli.serve.serve", lambda config: served.append(config) or True)
    assert main(["serve", "--port", "9"]) == 0
    assert served and served[0].port == 9


def _must_not_serve(config: object) -> bool:
    raise AssertionError("hub serve started despite a fatal problem")


def test_check_says_when_a_number_setting_is_not_one(
    env: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("HUB_MAX_BODY_BYTES", "1MB")
    assert main(["check"]) == 1
    assert "HUB_MAX_BODY_BYTES must be a number" in capsys.readouterr().err
