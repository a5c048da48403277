"""``hub terminal`` driven through its standard input against a live hub."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from sqlalchemy import select

from hub.models import Event, Order
from tests.conftest import LiveServer
from tests.connectors.instore.conftest import Keys, sms_customer_with_order

ROOT = Path(__file__).resolve().parents[3]


async def test_scripted_session(instore: LiveServer, keys: Keys, tmp_path: Path) -> None:
    customer_id = await sms_customer_with_order(instore.hub)
    script = (
        "\n".join(
            [
                "help",
                "note too early",
                "lookup phone (555) 123-0000",
                "note Asked about descaler",
                'purchase S1-9 "Descaler:2:350"',
                "assist Can we refund W1001?",
                "queue",
                "quit",
            ]
        )
        + "\n"
    )
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        "import sys; from hub.cli import main; sys.exit(main())",
        "terminal",
        "--key",
        keys.associate,
        "--url",
        instore.url,
        "--queue",
        str(tmp_path / "q.db"),
        cwd=ROOT,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    async with asyncio.timeout(30):
        out, err = await proc.communicate(script.encode())
    text = out.decode()
    assert proc.returncode == 0, err.decode()
    assert "usage: no current customer" in text
    assert f"#{customer_id}" in text and "last sms: Is my blue kettle ready" in text
    assert "order S1-9 recorded (7.00)" in text
    assert "help requested" in text and "0 frame(s) waiting" in text
    async with instore.hub.read() as session:
        notes = (await session.execute(select(Event.body).where(Event.type == "note"))).all()
        order = (await session.execute(select(Order).where(Order.number == "S1-9"))).scalar_one()
    assert notes == [("Asked about descaler",)]
    assert order.customer_id == customer_id and order.total_cents == 700
