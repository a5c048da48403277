"""The wheel, as an operator installs it: built the way ``make dist`` builds it (from a
copy of the source tree, the vendored browser clients included), installed into a fresh
virtualenv outside the checkout, then ``hub migrate``, ``hub serve``, the login page and
every asset it links, the console's assets, the widget script and the socket.io client
it loads, a socket.io handshake, an SMS webhook signed with the ``twilio`` validator and
``hub check`` against the running hub — on SQLite, and on PostgreSQL with Redis as in
``compose.yaml``. Nothing of the checkout is importable there (no ``PYTHONPATH``, another
working directory). Needs the package registries for the dependencies (pip's cache
otherwise); fails, never skips, when it cannot build or install.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from twilio.request_validator import RequestValidator

from tests.conftest import (
    PG_URL,
    REDIS_URL,
    TEST_SECRET,
    TWILIO_TEST_SID,
    TWILIO_TEST_TOKEN,
    free_socket,
    require_service,
    scratch_pg_database,
)

pytestmark = [pytest.mark.dist, pytest.mark.timeout(900)]

ROOT = Path(__file__).resolve().parents[2]
VENDORED = ("static/vendor/socket.io.min.js", "static/vendor/twilio.min.js")
# What a build does not need (and a clean clone does not have).
NOT_SOURCES = shutil.ignore_patterns(
    ".git", ".venv", "node_modules", "var", "dist", "build", "*.egg-info", "__pycache__",
    ".*_cache", ".hypothesis", "test-results", "tests", "bench",
)  # fmt: skip
ASSET = re.compile(r'(?:href|src)="(/static/[^"]+)"')
PASSWORD = "correct-horse-battery-staple"


def run(*command: str | Path) -> None:
    """Build and install steps, with nothing of the checkout on ``PYTHONPATH`` (pip would
    take a checkout's ``omnihub.egg-info`` for the installed package)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    result = subprocess.run(
        [str(c) for c in command], capture_output=True, text=True, timeout=600, env=env
    )
    assert result.returncode == 0, f"{command} failed:\n{result.stdout}\n{result.stderr}"


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtualenv with the wheel installed, outside the checkout."""
    missing = [name for name in VENDORED if not (ROOT / name).is_file()]
    assert not missing, f"{missing} not built: run `make install` (the npm step) first"
    work = tmp_path_factory.mktemp("wheel")
    source = work / "source"
    shutil.copytree(ROOT, source, symlinks=True, ignore=NOT_SOURCES)
    run(sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", work / "dist", source)
    (wheel,) = (work / "dist").glob("omnihub-*.whl")
    env_dir = work / "venv"
    run(sys.executable, "-m", "venv", "--without-pip", env_dir)
    python = env_dir / "bin" / "python"
    run(
        sys.executable, "-m", "pip", "--python", python, "install", "--quiet", "--no-compile", wheel
    )
    return env_dir


class Hub:
    """The installed ``hub`` command, run in a directory of its own with only the
    environment an operator would give it."""

    def __init__(self, venv: Path, home: Path, **settings: str) -> None:
        self.bin = venv / "bin"
        self.home = home
        self.port = self._free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            "PATH": f"{self.bin}:/usr/bin:/bin",
            "HOME": str(home),
            "HUB_PUBLIC_URL": self.url,
            "HUB_SECRET_KEY": TEST_SECRET,
            "HUB_VAR_DIR": str(home / "var"),
            "TWILIO_ACCOUNT_SID": TWILIO_TEST_SID,
            "TWILIO_AUTH_TOKEN": TWILIO_TEST_TOKEN,
            "TWILIO_SMS_NUMBER": "+15550001111",
            "TWILIO_API_BASE": "http://127.0.0.1:9",  # no real Twilio from a test
            **settings,
        }

    @staticmethod
    def _free_port() -> int:
        sock = free_socket()
        port: int = sock.getsockname()[1]
        sock.close()
        return port

    def run(self, *args: str, stdin: str | None = None, ok: bool = True) -> str:
        result = subprocess.run(
            [str(self.bin / "hub"), *args],
            input=stdin,
            capture_output=True,
            text=True,
            env=self.env,
            cwd=self.home,
            timeout=120,
        )
        if ok:
            assert result.returncode == 0, f"hub {args}:\n{result.stdout}\n{result.stderr}"
        else:
            assert result.returncode != 0, f"hub {args} should have failed:\n{result.stdout}"
        return result.stdout + result.stderr

    @contextmanager
    def serve(self) -> Iterator[subprocess.Popen[bytes]]:
        """``hub serve`` until the block ends (SIGTERM), once ``/healthz`` answers."""
        log = (self.home / "serve.log").open("wb")
        process = subprocess.Popen(
            [str(self.bin / "hub"), "serve", "--port", str(self.port)],
            env=self.env,
            cwd=self.home,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and process.poll() is None:
                try:
                    if httpx.get(self.url + "/healthz", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.1)
            assert process.poll() is None, self.log()
            yield process
        finally:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(30)
                except subprocess.TimeoutExpired:
                    process.kill()
            log.close()

    def log(self) -> str:
        return (self.home / "serve.log").read_text(errors="replace")[-4000:]


def smoke(hub: Hub) -> None:
    where = subprocess.run(
        [str(hub.bin / "python"), "-c", "import hub; print(hub.__file__)"],
        capture_output=True,
        text=True,
        env=hub.env,
        cwd=hub.home,
        check=True,
    ).stdout
    assert where.startswith(str(hub.bin.parent)), where  # the wheel's, not the checkout's

    assert "database at head" in hub.run("migrate")
    assert "twilio" in hub.run("simulate", "--help")  # the simulators ship too
    hub.run("create-agent", "ops@example.com", "--name", "Ops", "--password-stdin", stdin=PASSWORD)
    assert "cannot be reached" in hub.run("check", ok=False)  # not serving yet

    with hub.serve() as process:
        with httpx.Client(base_url=hub.url, timeout=10) as client:
            login = client.get("/login")
            assert login.status_code == 200 and "Sign in" in login.text
            assert_assets(client, login.text, at_least=1)

            csrf = re.search(r'name="csrf" value="([^"]+)"', login.text)
            assert csrf, login.text
            signed_in = client.post(
                "/login",
                data={"email": "ops@example.com", "password": PASSWORD, "csrf": csrf.group(1)},
                follow_redirects=True,
            )
            assert signed_in.status_code == 200 and "Inbox" in signed_in.text, signed_in.text
            assert_assets(client, signed_in.text, at_least=3)  # css, socket.io, console.js

            widget = client.get("/static/widget.js")
            assert widget.status_code == 200 and "javascript" in widget.headers["content-type"]
            for path in re.findall(r'"(/static/[^"]+\.js)"', widget.text):
                assert client.get(path).status_code == 200, path
            shop = client.get("/demo/shop")
            assert shop.status_code == 200 and "/static/widget.js" in shop.text
            handshake = client.get("/socket.io/", params={"EIO": "4", "transport": "polling"})
            assert handshake.status_code == 200 and '"sid"' in handshake.text

            params = {
                "MessageSid": "SM" + "a" * 32,
                "AccountSid": TWILIO_TEST_SID,
                "From": "+15557654321",
                "To": "+15550001111",
                "Body": "Is my order ready?",
            }
            url = hub.url + "/twilio/sms"
            signature = RequestValidator(TWILIO_TEST_TOKEN).compute_signature(url, params)
            sms = client.post(url, data=params, headers={"X-Twilio-Signature": signature})
            assert sms.status_code == 200, sms.text
            assert sms.headers["content-type"].startswith("text/xml"), sms.headers
            forged = client.post(url, data=params, headers={"X-Twilio-Signature": "x" * 28})
            assert forged.status_code == 403
            inbox = client.get("/")
            assert "Is my order ready?" in inbox.text or "+1 555" in inbox.text, inbox.text

        report = hub.run("check")
        assert "The configuration looks right." in report, report
        process.send_signal(signal.SIGTERM)
        # uvicorn re-raises the signal once shut down: killed by SIGTERM, after a clean stop.
        assert process.wait(30) in (0, -signal.SIGTERM), hub.log()
        assert "Application shutdown complete" in hub.log()


def assert_assets(client: httpx.Client, page: str, *, at_least: int) -> None:
    assets = sorted(set(ASSET.findall(page)))
    assert len(assets) >= at_least, page
    for path in assets:
        response = client.get(path)
        assert response.status_code == 200 and response.content, path


def test_the_wheel_runs_on_sqlite(venv: Path, tmp_path: Path) -> None:
    smoke(Hub(venv, tmp_path, HUB_DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'hub.db'}"))


def test_the_wheel_runs_on_postgresql_with_redis(venv: Path, tmp_path: Path) -> None:
    """As compose.yaml runs it (one process of the two; same variables)."""
    server = require_service(PG_URL, "PostgreSQL", "HUB_TEST_DATABASE_URL")
    redis_url = require_service(REDIS_URL, "Redis", "HUB_TEST_REDIS_URL")
    with scratch_pg_database(server, prefix="hub_wheel") as database_url:
        smoke(
            Hub(
                venv,
                tmp_path,
                HUB_DATABASE_URL=database_url,
                HUB_REDIS_URL=redis_url,
                HUB_REDIS_CHANNEL=f"wheel-{os.getpid()}",
            )
        )
