"""``python -m simulators.shopify``: the loopback Shopify for ``make run`` (development only)."""

from __future__ import annotations

import argparse
import os

import uvicorn

from simulators.shopify.app import Simulator
from simulators.shopify.demo import DEMO_SECRET, DEMO_TOKEN, demo_shop


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m simulators.shopify")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8098)
    parser.add_argument("--hub", default=os.environ.get("HUB_PUBLIC_URL", "http://127.0.0.1:8000"))
    args = parser.parse_args()
    simulator = Simulator(
        demo_shop(),
        access_token=os.environ.get("SHOPIFY_ACCESS_TOKEN", DEMO_TOKEN),
        api_secret=os.environ.get("SHOPIFY_API_SECRET", DEMO_SECRET),
        hub_url=args.hub.rstrip("/"),
    )
    uvicorn.run(simulator.app(), host=args.host, port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
