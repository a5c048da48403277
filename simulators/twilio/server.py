"""Running the simulator on a loopback port (tests, ``hub simulate twilio``)."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import uvicorn
from starlette.applications import Starlette

from simulators.twilio.app import create_simulator_app
from simulators.twilio.core import Simulator


@dataclass
class RunningSimulator:
    url: str
    app: Starlette
    server: uvicorn.Server

    @property
    def simulator(self) -> Simulator:
        sim: Simulator = self.app.state.simulator
        return sim


@asynccontextmanager
async def serve_simulator(
    account_sid: str,
    auth_token: str,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    callback_delay: float = 0.02,
) -> AsyncIterator[RunningSimulator]:
    """Serve a fresh simulator with uvicorn in this event loop; ``port=0`` picks a free
    one. Use its ``url`` as ``TWILIO_API_BASE``."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    url = f"http://{host}:{sock.getsockname()[1]}"
    app = create_simulator_app(account_sid, auth_token, callback_delay=callback_delay)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        for _ in range(250):
            if server.started or task.done():
                break
            await asyncio.sleep(0.02)
        if task.done():
            task.result()
        yield RunningSimulator(url, app, server)
    finally:
        app.state.simulator.released.set()
        server.should_exit = True
        await asyncio.wait_for(task, 10)
        sock.close()
