"""The container files say what the wheel test proves (Docker cannot run here): the
same commands, variables and port, the same browser clients built, the health check on
the route the test probes."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import yaml

from hub.cli import build_parser
from tests.dist.test_wheel import VENDORED

ROOT = Path(__file__).resolve().parents[2]
PORT = "8000"


def dockerfile() -> str:
    return (ROOT / "Dockerfile").read_text()


def compose() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "compose.yaml").read_text())  # type: ignore[no-any-return]


def instruction(name: str) -> str:
    """The last ``NAME …`` instruction of the runtime stage, continuation lines joined."""
    text = dockerfile().replace("\\\n", " ")
    (*_, runtime) = text.split("\nFROM ")
    (*_, line) = re.findall(rf"^{name} (.+)$", runtime, flags=re.M)
    return line.strip()


def test_the_image_runs_hub_serve_as_compose_and_ci_do() -> None:
    command = json.loads(instruction("CMD"))
    assert command == ["hub", "serve", "--host", "0.0.0.0", "--port", PORT]
    services = compose()["services"]
    for name in ("hub1", "hub2"):
        assert services[name]["command"] == command
    assert services["migrate"]["command"] == ["hub", "migrate"]
    # Every one of those is a command of the installed CLI, with these options.
    args = build_parser().parse_args(command[1:])
    assert (args.host, args.port) == ("0.0.0.0", int(PORT))


def test_one_port_everywhere() -> None:
    assert instruction("EXPOSE") == PORT
    assert f"127.0.0.1:{PORT}/healthz" in instruction("HEALTHCHECK")
    caddy = (ROOT / "deploy" / "Caddyfile").read_text()
    assert f"reverse_proxy hub1:{PORT} hub2:{PORT}" in caddy
    assert "health_uri /healthz" in caddy


def test_the_runtime_stage_installs_the_wheel_and_runs_unprivileged() -> None:
    text = dockerfile()
    stages = re.findall(r"^FROM (.+)$", text, flags=re.M)
    assert len(stages) == 2 and stages[0].endswith(" AS build")  # build, then runtime
    assert "RUN make dist" in text  # the npm step and the wheel, as CI builds them
    assert "pip install --no-cache-dir /tmp/dist/*.whl" in text
    assert re.search(r"^USER omnihub$", text, flags=re.M)


def test_the_build_vendors_what_the_wheel_test_requires() -> None:
    makefile = (ROOT / "Makefile").read_text()
    (vendor,) = re.findall(r"^VENDOR := (.+)$", makefile, flags=re.M)
    assert sorted(vendor.split()) == sorted(VENDORED)


def test_compose_sets_only_documented_settings() -> None:
    readme = (ROOT / "README.md").read_text()
    hub = compose()["services"]["hub1"]
    for name in hub["environment"]:
        assert f"`{name}`" in readme, f"{name} is not in the README's settings table"
    assert hub["environment"]["HUB_PUBLIC_URL"].startswith("https://")
    assert hub["stop_grace_period"] == "30s"
