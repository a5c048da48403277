"""Many idle widget connections from one process, speaking Engine.IO 4 / Socket.IO 5
over raw websockets (the ``websockets`` library): open, join ``/widget``, answer pings.

``python -m bench._widgets URL COUNT FIRST_IP`` connects ``COUNT`` sockets, each
source address ``127.1.x.y`` (from index ``FIRST_IP``) carrying at most ``PER_IP``
so the widget's per-address connect limit is not what is measured. Prints
``connected N`` as it goes and ``done N failed F``, then holds the sockets until stdin
closes.
"""

from __future__ import annotations

import asyncio
import sys
import time
from urllib.parse import urlparse

from websockets.asyncio.client import ClientConnection, connect
from websockets.typing import Origin

from bench._load import PUBLIC_URL
from bench._servers import raise_nofile

PER_IP = 25
PARALLEL = 200
TIMEOUT = 30.0


def source_ip(index: int) -> str:
    return f"127.1.{index // 250}.{index % 250 + 1}"


async def hold(ws: ClientConnection) -> None:
    """Answer the server's pings ("2" → "3") until the socket closes."""
    try:
        async for frame in ws:
            if frame == "2":
                await ws.send("3")
    except Exception:
        return


async def open_widget(url: str, ip: str) -> ClientConnection:
    ws = await connect(
        url, origin=Origin(PUBLIC_URL), local_addr=(ip, 0), open_timeout=TIMEOUT, compression=None
    )
    opened = await asyncio.wait_for(ws.recv(), TIMEOUT)
    assert isinstance(opened, str) and opened.startswith("0"), opened
    await ws.send("40/widget,{}")
    while True:
        frame = await asyncio.wait_for(ws.recv(), TIMEOUT)
        if isinstance(frame, str) and frame.startswith("40/widget,"):
            return ws
        if isinstance(frame, str) and frame.startswith("44/widget,"):
            raise RuntimeError(f"refused: {frame}")


async def main(url: str, count: int, first_ip: int) -> None:
    raise_nofile()
    parsed = urlparse(url)
    ws_url = f"ws://{parsed.netloc}/socket.io/?EIO=4&transport=websocket"
    sockets: list[ClientConnection] = []
    holders: list[asyncio.Task[None]] = []
    failed = 0
    gate = asyncio.Semaphore(PARALLEL)
    last = time.monotonic()

    async def one(i: int) -> None:
        nonlocal failed, last
        async with gate:
            try:
                ws = await open_widget(ws_url, source_ip(first_ip + i // PER_IP))
            except Exception as exc:
                failed += 1
                if failed <= 3:
                    print(f"error {exc!r}", flush=True)
                return
        sockets.append(ws)
        holders.append(asyncio.create_task(hold(ws)))
        if time.monotonic() - last > 1.0:
            last = time.monotonic()
            print(f"connected {len(sockets)}", flush=True)

    await asyncio.gather(*(one(i) for i in range(count)))
    print(f"done {len(sockets)} failed {failed}", flush=True)
    await asyncio.to_thread(sys.stdin.read)
    for ws in sockets:
        ws.transport.abort()
    for task in holders:
        task.cancel()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3])))
