"""Several real ``hub serve`` processes sharing the session's PostgreSQL and a Redis.

Each process runs on its own loopback port with ``HUB_PUBLIC_URL`` set to itself (so
Twilio signatures validate per process), one ``HUB_REDIS_CHANNEL`` per test module (so
parallel runs never cross-talk) and the loopback Twilio simulator as
``TWILIO_API_BASE``. The simulator runs in the test's event loop so its record of sent
messages can be inspected; ``SlowAnswers`` delays its answers to message creation
(after the message is recorded), which keeps replies in flight long enough to kill a
process mid-send.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import signal
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import socketio
import uvicorn
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from connectors.twilio.signatures import SIGNATURE_HEADER, sign
from hub.actions.staff import create_agent, create_api_token
from hub.core import Hub
from hub.settings import Settings
from simulators.twilio import Simulator, create_simulator_app
from tests.conftest import (
    PG_URL,
    REDIS_URL,
    TEST_SECRET,
    TWILIO_TEST_SID,
    TWILIO_TEST_TOKEN,
    agent_session_cookie,
    free_socket,
    require_service,
    truncate_all,
)

WAIT = 10.0
SMS_NUMBER = "+15550001111"
ROOT = Path(__file__).resolve().parents[2]
# What the installed ``hub`` script runs, with this interpreter.
HUB_MAIN = "import sys; from hub.cli import main; sys.exit(main(sys.argv[1:]))"


async def console_cookie(cluster: Cluster, agent_id: int) -> tuple[str, str]:
    """A real console sign-in of ``agent_id`` (shared database): cookie and CSRF token."""
    return await agent_session_cookie(cluster.hub, agent_id)


class SlowAnswers:
    """ASGI wrapper: answers to ``POST …/Messages.json`` leave ``delay`` seconds late."""

    def __init__(self, app: ASGIApp, delay: float) -> None:
        self.app = app
        self.delay = delay

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        slow = scope["type"] == "http" and scope["path"].endswith("/Messages.json")
        slow = slow and scope["method"] == "POST"

        async def delayed(message: Message) -> None:
            if slow and message["type"] == "http.response.start":
                await asyncio.sleep(self.delay)
            await send(message)

        await self.app(scope, receive, delayed)


@dataclass
class HubProcess:
    url: str
    proc: asyncio.subprocess.Process
    log: Path

    async def kill(self) -> None:
        """SIGKILL: no shutdown code runs, leases and sockets are left as they are."""
        self.proc.send_signal(signal.SIGKILL)
        await asyncio.wait_for(self.proc.wait(), WAIT)

    async def stop(self) -> None:
        if self.proc.returncode is None:
            self.proc.terminate()
            try:
                await asyncio.wait_for(self.proc.wait(), WAIT)
            except TimeoutError:
                await self.kill()


@dataclass
class Cluster:
    """Hub processes on one database and one Redis channel, plus a core ``Hub`` the
    test uses to set up agents and API tokens."""

    database_url: str
    redis_url: str
    channel: str
    simulator_url: str
    simulator: Simulator
    tmp: Path
    hub: Hub
    processes: list[HubProcess] = field(default_factory=list)
    allowed: list[str] = field(default_factory=list)

    def env(self, url: str) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            HUB_DATABASE_URL=self.database_url,
            HUB_REDIS_URL=self.redis_url,
            HUB_REDIS_CHANNEL=self.channel,
            HUB_SECRET_KEY=TEST_SECRET,
            HUB_PUBLIC_URL=url,
            HUB_ALLOWED_ORIGINS=",".join(self.allowed),
            HUB_VAR_DIR=str(self.tmp / "var"),
            HUB_LOG_LEVEL="WARNING",
            HUB_OUTBOX_LEASE_SECONDS="2",
            TWILIO_ACCOUNT_SID=TWILIO_TEST_SID,
            TWILIO_AUTH_TOKEN=TWILIO_TEST_TOKEN,
            TWILIO_API_BASE=self.simulator_url,
            TWILIO_SMS_NUMBER=SMS_NUMBER,
        )
        return env

    async def start(self, count: int) -> list[HubProcess]:
        """Start ``count`` hub processes and wait until each answers ``/healthz``."""
        socks = [free_socket() for _ in range(count)]
        urls = [f"http://127.0.0.1:{s.getsockname()[1]}" for s in socks]
        self.allowed.extend(urls)
        for sock in socks:
            sock.close()
        started = []
        for url in urls:
            log = self.tmp / f"hub-{url.rsplit(':', 1)[1]}.log"
            with log.open("wb") as out:
                proc = await asyncio.create_subprocess_exec(
                    *(sys.executable, "-c", HUB_MAIN, "serve", "--port", url.rsplit(":", 1)[1]),
                    env=self.env(url),
                    cwd=ROOT,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                )
            started.append(HubProcess(url, proc, log))
        self.processes.extend(started)
        async with httpx.AsyncClient(timeout=2) as http:
            for process in started:
                await _wait_healthy(http, process)
        return started

    async def agent(self, name: str) -> int:
        async with self.hub.uow() as uow:
            email = f"{name.lower()}-{secrets.token_hex(3)}@example.com"
            agent = await create_agent(uow, email, name, "correct horse battery")
        return agent.id

    async def api_token(self) -> str:
        async with self.hub.uow() as uow:
            _, key = await create_api_token(uow, "scaleout", actor="test")
        return key


async def _wait_healthy(http: httpx.AsyncClient, process: HubProcess) -> None:
    for _ in range(int(WAIT / 0.1) * 2):
        if process.proc.returncode is not None:
            raise RuntimeError(f"hub exited early:\n{process.log.read_text()[-3000:]}")
        try:
            if (await http.get(process.url + "/healthz")).status_code == 200:
                return
        except httpx.TransportError:
            pass
        await asyncio.sleep(0.1)
    raise RuntimeError(f"hub did not start:\n{process.log.read_text()[-3000:]}")


@pytest.fixture
def services(pg_database: str | None) -> Iterator[tuple[str, str]]:
    """The session's PostgreSQL database and the test Redis (skip or fail without)."""
    require_service(PG_URL, "PostgreSQL", "HUB_TEST_DATABASE_URL")
    redis_url = require_service(REDIS_URL, "Redis", "HUB_TEST_REDIS_URL")
    assert pg_database is not None
    yield pg_database, redis_url


@asynccontextmanager
async def running_simulator(delay: float) -> AsyncIterator[tuple[str, Simulator]]:
    app = create_simulator_app(TWILIO_TEST_SID, TWILIO_TEST_TOKEN)
    sock = free_socket()
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    server = uvicorn.Server(
        uvicorn.Config(SlowAnswers(app, delay), log_level="warning", lifespan="on")
    )
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.02)
    try:
        yield url, app.state.simulator
    finally:
        app.state.simulator.released.set()
        server.should_exit = True
        await asyncio.wait_for(task, 10)
        sock.close()


@pytest.fixture
async def cluster(services: tuple[str, str], tmp_path: Path) -> AsyncIterator[Cluster]:
    database_url, redis_url = services
    await truncate_all(database_url)
    hub = Hub(Settings(database_url=database_url, secret_key=TEST_SECRET, var_dir=tmp_path))
    async with running_simulator(delay=1.0) as (sim_url, simulator):
        cluster = Cluster(
            database_url,
            redis_url,
            f"hub-test-{uuid.uuid4().hex[:10]}",
            sim_url,
            simulator,
            tmp_path,
            hub,
        )
        try:
            yield cluster
        finally:
            for process in cluster.processes:
                await process.stop()
            await hub.dispose()


class SocketClient:
    """A python-socketio client on one namespace recording the events it receives."""

    def __init__(self, namespace: str, events: tuple[str, ...]) -> None:
        self.namespace = namespace
        self.client = socketio.AsyncClient(reconnection=False)
        self.queues: dict[str, asyncio.Queue[Any]] = {}
        for name in events:
            self.queues[name] = asyncio.Queue()
            self.client.on(name, self._recorder(name), namespace=namespace)

    def _recorder(self, name: str) -> Callable[[Any], Any]:
        async def record(data: Any) -> None:
            await self.queues[name].put(data)

        return record

    async def connect(
        self, url: str, *, cookie: str | None = None, auth: dict[str, Any] | None = None
    ) -> None:
        headers = {"Origin": url}
        if cookie:
            headers["Cookie"] = cookie
        await self.client.connect(
            url,
            namespaces=[self.namespace],
            transports=["websocket"],
            headers=headers,
            auth=auth,
            wait_timeout=WAIT,
        )

    async def next(
        self, name: str, match: Callable[[Any], bool] = lambda _: True, *, within: float = WAIT
    ) -> Any:
        """The next ``name`` event satisfying ``match`` (others are skipped)."""

        async def find() -> Any:
            while True:
                data = await self.queues[name].get()
                if match(data):
                    return data

        return await asyncio.wait_for(find(), within)

    async def call(self, event: str, data: Any) -> Any:
        return await self.client.call(event, data, namespace=self.namespace, timeout=WAIT)

    async def close(self) -> None:
        await self.client.disconnect()


async def post_sms(url: str, sender: str, body: str, sid: str) -> httpx.Response:
    """A signed Twilio SMS webhook to the hub at ``url``."""
    params = {
        "MessageSid": sid,
        "AccountSid": TWILIO_TEST_SID,
        "From": sender,
        "To": SMS_NUMBER,
        "Body": body,
        "NumMedia": "0",
    }
    signature = sign(TWILIO_TEST_TOKEN, url + "/twilio/sms", params)
    async with httpx.AsyncClient(timeout=WAIT) as http:
        return await http.post(
            url + "/twilio/sms", data=params, headers={SIGNATURE_HEADER: signature}
        )
