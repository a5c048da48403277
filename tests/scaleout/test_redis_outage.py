"""Redis going away and coming back, with two hub processes on a private Redis server.

While Redis is down each process keeps serving and emits to its own sockets (the
publish to the others is dropped and logged); once Redis is back on the same port,
fan-out across processes resumes without restarting anything.
"""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from tests.conftest import IN_CI, free_socket
from tests.scaleout.conftest import WAIT, Cluster, SocketClient, console_cookie, post_sms


@asynccontextmanager
async def redis_server(port: int, workdir: Path) -> AsyncIterator[None]:
    """A throwaway ``redis-server`` on ``port`` (no persistence) for the block."""
    binary = shutil.which("redis-server")
    if binary is None:
        if IN_CI:
            pytest.fail("redis-server is required in CI for the Redis outage test")
        pytest.skip("redis-server not installed")
    proc = await asyncio.create_subprocess_exec(
        *(binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"),
        cwd=workdir,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            try:
                _, writer = await asyncio.open_connection("127.0.0.1", port)
                writer.close()
                await writer.wait_closed()
                break
            except OSError:
                await asyncio.sleep(0.05)
        yield
    finally:
        proc.terminate()
        await proc.wait()


async def sms_reaches(into: str, console: SocketClient, within: float = WAIT) -> None:
    body = f"Hello {uuid.uuid4().hex[:8]}"
    response = await post_sms(into, "+15551230000", body, "SM" + uuid.uuid4().hex)
    assert response.status_code == 200
    await console.next("event.created", lambda d: d["event"]["body"] == body, within=within)


async def test_fan_out_fails_soft_and_resumes(cluster: Cluster, tmp_path: Path) -> None:
    sock = free_socket()
    port = sock.getsockname()[1]
    sock.close()
    cluster.redis_url = f"redis://127.0.0.1:{port}/0"
    async with redis_server(port, tmp_path):
        a, b = await cluster.start(2)
        agent_id = await cluster.agent("Linus")
        on_a = SocketClient("/agent", ("event.created",))
        on_b = SocketClient("/agent", ("event.created",))
        await on_a.connect(a.url, cookie=(await console_cookie(cluster, agent_id))[0])
        await on_b.connect(b.url, cookie=(await console_cookie(cluster, agent_id))[0])
        await sms_reaches(a.url, on_b)

    try:
        # Redis is down: A still stores and answers, and its own agents still see it.
        await sms_reaches(a.url, on_a)

        async with redis_server(port, tmp_path):
            # Back on the same port: fan-out resumes (the listener retries within 2 s).
            deadline = asyncio.get_running_loop().time() + WAIT
            while True:
                try:
                    await sms_reaches(a.url, on_b, within=1.0)
                    break
                except TimeoutError:
                    if asyncio.get_running_loop().time() > deadline:
                        raise
    finally:
        await on_a.close()
        await on_b.close()
