"""Shared machinery of the HTTP benchmarks: pre-signed requests, wrk, server processes.

Requests are signed ahead of time with the real ``twilio`` ``RequestValidator`` for
``PUBLIC_URL`` (every server validates against it) and written one per line for
``_wrk/replay.lua``; each carries a distinct MessageSid so every request is a new
insert. Servers run in their own processes (``bench._servers``); wrk runs in another.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import httpx
from twilio.request_validator import RequestValidator

from hub.migrate import upgrade_async

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
LUA = HERE / "_wrk" / "replay.lua"
PUBLIC_URL = "https://hub.bench.example"
TOKEN = "bench_twilio_auth_token_0123456789ab"
ACCOUNT_SID = "AC" + "b" * 32
SMS_NUMBER = "+15550001111"
SENDERS = 1000
BODY = "Hi, is my order W-10421 ready for pickup at the Downtown store?"
DEFAULT_PG = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
DEFAULT_REDIS = "redis://127.0.0.1:6379/0"


def require_wrk() -> str:
    path = shutil.which("wrk")
    if path is None:
        raise SystemExit("wrk is not installed: `make bench` installs Debian's wrk")
    return path


def signed_params(i: int, run: str) -> dict[str, str]:
    return {
        "MessageSid": f"SM{run}{i:010d}",
        "AccountSid": ACCOUNT_SID,
        "From": f"+1415555{i % SENDERS:04d}",
        "To": SMS_NUMBER,
        "Body": BODY,
        "NumMedia": "0",
    }


def write_requests(path: Path, count: int) -> Path:
    """``count`` signed SMS webhooks (distinct MessageSids), one per line."""
    validator = RequestValidator(TOKEN)
    url = PUBLIC_URL + "/twilio/sms"
    run = uuid.uuid4().hex[:8]
    with path.open("w") as out:
        for i in range(count):
            params = signed_params(i, run)
            out.write(f"{validator.compute_signature(url, params)}\t{urlencode(params)}\n")
    return path


@dataclass
class WrkResult:
    rate: float
    requests: int
    errors: int
    p50_ms: float
    p99_ms: float


def _ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m|h)", text.strip()).groups()  # type: ignore[union-attr]
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1e3, "m": 6e4, "h": 3.6e6}[unit]


def run_wrk(
    url: str,
    requests_file: Path,
    *,
    seconds: float,
    connections: int = 64,
    threads: int = 1,
    pace_ms: int = 0,
    start: int = 0,
) -> WrkResult:
    """Run wrk against ``url`` replaying ``requests_file`` from line ``start``; parse
    its summary."""
    env = dict(
        os.environ,
        REQUESTS_FILE=str(requests_file),
        WRK_THREADS=str(threads),
        PACE_MS=str(pace_ms),
        START=str(start),
    )
    out = subprocess.run(
        [
            require_wrk(),
            f"-t{threads}",
            f"-c{connections}",
            f"-d{max(1, round(seconds))}s",
            "--latency",
            "-s",
            str(LUA),
            url,
        ],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    total = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(r"Socket errors: (.*)", out)
    errors = int(bad.group(1)) if bad else 0
    if socket_errors:
        errors += sum(int(n) for n in re.findall(r"\d+", socket_errors.group(1)))
    p50 = re.search(r"^\s*50%\s+(\S+)", out, re.M)
    p99 = re.search(r"^\s*99%\s+(\S+)", out, re.M)
    return WrkResult(
        rate,
        total,
        errors,
        _ms(p50.group(1)) if p50 else 0.0,
        _ms(p99.group(1)) if p99 else 0.0,
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def server_env(database_url: str, *, redis_url: str | None = None) -> dict[str, str]:
    env = dict(
        os.environ,
        HUB_DATABASE_URL=database_url,
        HUB_PUBLIC_URL=PUBLIC_URL,
        HUB_SECRET_KEY="bench-secret-" + "x" * 40,
        HUB_LOG_LEVEL="WARNING",
        HUB_VAR_DIR=str(ROOT / "var" / "bench"),
        TWILIO_ACCOUNT_SID=ACCOUNT_SID,
        TWILIO_AUTH_TOKEN=TOKEN,
        TWILIO_SMS_NUMBER=SMS_NUMBER,
        # No reply is sent in these benchmarks; point the client at nothing real.
        TWILIO_API_BASE="http://127.0.0.1:9",
    )
    env.pop("HUB_REDIS_URL", None)
    if redis_url:
        env["HUB_REDIS_URL"] = redis_url
        env["HUB_REDIS_CHANNEL"] = f"bench-{uuid.uuid4().hex[:8]}"
    return env


def spawn(module: str, *args: str, env: dict[str, str]) -> subprocess.Popen[bytes]:
    """``python -m module args…`` in its own process, from the project root."""
    return subprocess.Popen([sys.executable, "-m", module, *args], env=env, cwd=ROOT)


@dataclass
class Server:
    url: str
    proc: subprocess.Popen[bytes]


@asynccontextmanager
async def server(
    kind: str, env: dict[str, str], *, workers: int = 1, ready_path: str = "/twilio/sms"
) -> AsyncIterator[Server]:
    """Run ``bench._servers KIND`` on a free port until the block ends."""
    port = free_port()
    proc = spawn("bench._servers", kind, "--port", str(port), "--workers", str(workers), env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient(timeout=2) as http:
            for _ in range(300):
                if proc.poll() is not None:
                    raise RuntimeError(f"{kind} server exited with {proc.returncode}")
                try:
                    await http.post(url + ready_path, data={})
                    break
                except httpx.TransportError:
                    await asyncio.sleep(0.1)
        yield Server(url, proc)
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


async def migrated(url: str) -> str:
    await upgrade_async(url)
    return url


def machine() -> str:
    cpus = os.cpu_count() or 0
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cpus} cores {model}".strip()


def elapsed(start: float) -> str:
    return f"{time.perf_counter() - start:.0f} s"
