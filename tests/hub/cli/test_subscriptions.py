"""``hub webhook-add/-list/-remove``: the secret is printed once; private URLs refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.cli import main


@pytest.fixture
def env(sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUB_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("HUB_SECRET_KEY", "test-secret")
    monkeypatch.setenv("HUB_VAR_DIR", str(tmp_path / "var"))


def test_add_list_remove(
    env: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["webhook-add", "http://127.0.0.1:9/hook"]) == 2
    assert "private or local address" in capsys.readouterr().err
    monkeypatch.setenv("HUB_WEBHOOKS_ALLOW_PRIVATE", "1")
    assert main(["webhook-add", "http://127.0.0.1:9/hook", "--events", "order.updated"]) == 0
    out = capsys.readouterr().out
    assert "webhook 1 added" in out and "whsec_" in out
    assert main(["webhook-add", "http://127.0.0.1:9/x", "--events", "nope"]) == 2
    capsys.readouterr()
    assert main(["webhook-list"]) == 0
    listing = capsys.readouterr().out
    assert "1\tactive\thttp://127.0.0.1:9/hook\torder.updated" in listing
    assert "whsec_" not in listing
    assert main(["webhook-remove", "1"]) == 0
    assert main(["webhook-remove", "1"]) == 2
