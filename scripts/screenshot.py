"""Take the README's screenshot: ``docs/screenshot.png`` (1280×800).

Loads ``hub demo`` into a scratch SQLite database, serves the hub on a loopback
port, signs in to the console as the demo admin in headless Chromium and opens the
thread of the showcase cross-channel customer (Maria Gonzalez: webchat → phone →
store → SMS) with its context panel.

Run with ``.venv/bin/python scripts/screenshot.py [--out docs/screenshot.png]``.
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import socket
import tempfile
from pathlib import Path

import uvicorn
from playwright.async_api import async_playwright, expect
from sqlalchemy import select

from hub.app import create_app
from hub.demo import data, load_demo
from hub.demo.showcase import MARIA
from hub.migrate import upgrade_async
from hub.models import Identity
from hub.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


async def take(out: Path, width: int = 1280, height: int = 800) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        db = f"sqlite+aiosqlite:///{tmp}/demo.db"
        await upgrade_async(db)
        settings = Settings(
            database_url=db,
            secret_key=secrets.token_urlsafe(32),
            public_url=url,
            var_dir=Path(tmp),
            outbox_enabled=False,
        )
        app = create_app(settings)
        hub = app.state.hub  # type: ignore[attr-defined]
        server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
        task = asyncio.create_task(server.serve(sockets=[sock]))
        try:
            for _ in range(200):
                if server.started or task.done():
                    break
                await asyncio.sleep(0.05)
            if not server.started:
                raise RuntimeError("the hub did not start")
            await load_demo(hub, customers=40, quiet=True)
            async with hub.read() as session:
                maria_id = (
                    await session.execute(
                        select(Identity.customer_id).where(Identity.address == MARIA.phone)
                    )
                ).scalar_one()
            async with async_playwright() as pw:
                context = await pw.chromium.launch_persistent_context(
                    str(Path(tmp) / "profile"),
                    executable_path=CHROMIUM,
                    args=CHROMIUM_ARGS,
                    viewport={"width": width, "height": height},
                )
                page = await context.new_page()
                await page.goto(f"{url}/login")
                await page.locator("#email").fill(data.AGENTS[0][0])
                await page.locator("#password").fill(data.DEMO_PASSWORD)
                await page.locator("form[action='/login'] button[type=submit]").click()
                await page.wait_for_url(f"{url}/")
                await page.goto(f"{url}/customers/{maria_id}")
                await expect(page.locator("body")).to_have_attribute("data-live", "1")
                await page.wait_for_timeout(300)
                out.parent.mkdir(parents=True, exist_ok=True)
                await page.screenshot(path=str(out))
                await context.close()
        finally:
            server.should_exit = True
            await task
    print(f"saved {out}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshot.png")
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=800)
    args = parser.parse_args()
    asyncio.run(take(args.out, args.width, args.height))


if __name__ == "__main__":
    main()
