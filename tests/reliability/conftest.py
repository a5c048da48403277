"""The hub as a real subprocess (``hub serve``) that tests can SIGKILL and restart.

Each ``HubProcess`` keeps its port and environment across restarts, so clients (the
Twilio simulator's callbacks, widget sockets, API calls) find it again at the same
URL, as they would a restarted production server.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from simulators.twilio.server import RunningSimulator, serve_simulator
from tests.conftest import (
    TEST_SECRET,
    TWILIO_TEST_SID,
    TWILIO_TEST_TOKEN,
    free_socket,
    require_service,
    truncate_all,
)

ROOT = Path(__file__).resolve().parents[2]
SMS_NUMBER = "+15550001111"
HUB_MAIN = "import sys; from hub.cli import main; sys.exit(main())"


def hub_command(*args: str) -> list[str]:
    """``hub ARGS...`` with this interpreter (the venv's ``hub`` script, without PATH)."""
    return [sys.executable, "-c", HUB_MAIN, *args]


class HubProcess:
    """``hub serve`` on a fixed loopback port, started, killed and restarted by tests."""

    def __init__(self, db_url: str, tmp: Path, twilio_api_base: str, **env: str) -> None:
        sock = free_socket()
        self.port = sock.getsockname()[1]
        sock.close()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = tmp / "hub.log"
        self.env = {
            **os.environ,
            "HUB_DATABASE_URL": db_url,
            "HUB_PUBLIC_URL": self.url,
            "HUB_SECRET_KEY": TEST_SECRET,
            "HUB_VAR_DIR": str(tmp / "var"),
            "HUB_LOG_LEVEL": "WARNING",
            "TWILIO_ACCOUNT_SID": TWILIO_TEST_SID,
            "TWILIO_AUTH_TOKEN": TWILIO_TEST_TOKEN,
            "TWILIO_API_BASE": twilio_api_base,
            "TWILIO_SMS_NUMBER": SMS_NUMBER,
            **env,
        }
        self.proc: asyncio.subprocess.Process | None = None
        self.starts = 0

    async def run(self, *args: str) -> str:
        """Run a one-off ``hub`` command with this hub's environment; return stdout."""
        proc = await asyncio.create_subprocess_exec(
            *hub_command(*args),
            env=self.env,
            cwd=ROOT,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await proc.communicate()
        assert proc.returncode == 0, err.decode()
        return out.decode()

    async def start(self, within: float = 20.0) -> None:
        """Start ``hub serve`` and wait until ``/healthz`` answers 200."""
        assert self.proc is None or self.proc.returncode is not None
        with self.log_path.open("ab") as log:
            self.proc = await asyncio.create_subprocess_exec(
                *hub_command("serve", "--port", str(self.port)),
                env=self.env,
                cwd=ROOT,
                stdout=log,
                stderr=log,
            )
        self.starts += 1
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        async with httpx.AsyncClient(timeout=1.0) as client:
            while loop.time() < deadline:
                if self.proc.returncode is not None:
                    break
                try:
                    if (await client.get(self.url + "/healthz")).status_code == 200:
                        return
                except httpx.HTTPError:
                    pass
                await asyncio.sleep(0.05)
        raise AssertionError(f"hub did not start:\n{self.log_tail()}")

    async def kill(self) -> None:
        """SIGKILL: no shutdown code runs, as when the machine loses the process."""
        if self.proc is not None and self.proc.returncode is None:
            self.proc.send_signal(signal.SIGKILL)
            await self.proc.wait()

    async def stop(self) -> None:
        """SIGTERM and wait (a graceful shutdown), SIGKILL after 10 s."""
        if self.proc is None or self.proc.returncode is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(self.proc.wait(), 10)
        except TimeoutError:
            await self.kill()

    def log_tail(self, lines: int = 40) -> str:
        if not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])


@pytest.fixture(params=["sqlite", "postgres"])
async def empty_db(request: pytest.FixtureRequest, pg_database: str | None, tmp_path: Path) -> str:
    """An empty database ``hub serve`` migrates itself: a new SQLite file, or this
    session's PostgreSQL database truncated."""
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'hub.db'}"
    url = require_service(pg_database, "PostgreSQL", "HUB_TEST_DATABASE_URL")
    await truncate_all(url)
    return url


@pytest.fixture
async def simulator() -> AsyncIterator[RunningSimulator]:
    """The loopback Twilio simulator, in this event loop."""
    async with serve_simulator(TWILIO_TEST_SID, TWILIO_TEST_TOKEN) as running:
        try:
            yield running
        finally:
            await running.simulator.close()
