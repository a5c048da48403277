"""PostgreSQL restarted under load: 503 during the outage, recovery, nothing half-written.

``pg_ctlcluster … restart`` stops the cluster every test on this machine shares, so
this runs only in CI or with ``HUB_TEST_PG_RESTART=1``; in CI a missing
``pg_ctlcluster`` fails loudly instead of skipping.
"""

from __future__ import annotations

import asyncio
import os
import shutil
from collections import Counter
from pathlib import Path

import httpx
import pytest

from connectors.twilio.signatures import SIGNATURE_HEADER, sign
from simulators.twilio.server import RunningSimulator
from tests.conftest import IN_CI, TWILIO_TEST_TOKEN, require_service, truncate_all
from tests.reliability.conftest import HubProcess
from tests.reliability.load import Acked, SmsFlood
from tests.reliability.test_crash import stored_inbound

ENABLED = IN_CI or os.environ.get("HUB_TEST_PG_RESTART") == "1"


def restart_command() -> list[str]:
    """``pg_ctlcluster --skip-systemctl-redirect <version> main restart``."""
    tool = shutil.which("pg_ctlcluster")
    versions = sorted(os.listdir("/etc/postgresql")) if os.path.isdir("/etc/postgresql") else []
    if tool is None or not versions:
        message = "pg_ctlcluster or /etc/postgresql is missing: cannot restart PostgreSQL"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return [tool, "--skip-systemctl-redirect", versions[-1], "main", "restart"]


class StatusRecorder(SmsFlood):
    """The SMS flood, also counting every HTTP status the hub answered."""

    def __init__(self, *args: object) -> None:
        super().__init__(*args)  # type: ignore[arg-type]
        self.statuses: Counter[int] = Counter()
        self.bodies: list[str] = []

    async def post(self, client: httpx.AsyncClient, params: dict[str, str]) -> bool:
        url = self.url + "/twilio/sms"
        headers = {SIGNATURE_HEADER: sign(TWILIO_TEST_TOKEN, url, params)}
        try:
            response = await client.post(url, data=params, headers=headers)
        except httpx.HTTPError:
            self.acked.error("sms-network")
            return False
        self.statuses[response.status_code] += 1
        if response.status_code >= 500:
            self.bodies.append(response.text)
        if response.is_success:
            self.acked.sms.add(params["Body"])
            return True
        return False


async def api_poller(url: str, token: str, stop: asyncio.Event, statuses: Counter[int]) -> None:
    """REST API reads and writes during the outage: each answer's status is counted."""
    auth = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=url, timeout=3, headers=auth) as client:
        while not stop.is_set():
            try:
                found = await client.get("/api/v1/customers", params={"q": "sms"})
                statuses[found.status_code] += 1
                note = await client.post("/api/v1/customers/1/notes", json={"body": "n"})
                statuses[note.status_code] += 1
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.05)


@pytest.mark.skipif(not ENABLED, reason="restarts the shared cluster: set HUB_TEST_PG_RESTART=1")
@pytest.mark.exclusive  # `make test` runs it alone, after the parallel run
@pytest.mark.timeout(90)
async def test_postgres_restart_under_load_answers_503_then_recovers(
    pg_database: str | None, tmp_path: Path, simulator: RunningSimulator
) -> None:
    command = restart_command()
    url = require_service(pg_database, "PostgreSQL", "HUB_TEST_DATABASE_URL")
    await truncate_all(url)
    hub = HubProcess(url, tmp_path, simulator.url)
    acked = Acked()
    stop = asyncio.Event()
    flood = StatusRecorder(hub.url, acked, stop)
    token = (await hub.run("create-api-token", "outage")).split()[-1]
    api_statuses: Counter[int] = Counter()
    await hub.start()
    workers = [asyncio.create_task(flood.worker()) for _ in range(4)]
    try:
        await asyncio.sleep(0.5)  # the first SMS creates customer 1 for the notes
        workers.append(asyncio.create_task(api_poller(hub.url, token, stop, api_statuses)))
        await asyncio.sleep(0.5)
        restart = await asyncio.create_subprocess_exec(
            *command, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
        )
        output, _ = await asyncio.wait_for(restart.communicate(), 60)
        assert restart.returncode == 0, output.decode()
        # Keep going after the cluster is back: the hub must recover on its own.
        before = len(acked.sms)
        async with httpx.AsyncClient(timeout=2) as client:
            for _ in range(100):
                if (await client.get(hub.url + "/healthz")).status_code == 200:
                    break
                await asyncio.sleep(0.1)
        await asyncio.sleep(1.5)
        stop.set()
        await asyncio.wait_for(asyncio.gather(*workers), 10)
        await flood.drain(within=5)
    finally:
        stop.set()
        for task in workers:
            task.cancel()
        await hub.stop()
    errors = {status: n for status, n in flood.statuses.items() if status >= 300}
    assert set(errors) <= {503}, f"{errors} {flood.bodies[:3]}\n{hub.log_tail()}"
    assert errors, "no request met the outage"
    api_errors = {status: n for status, n in api_statuses.items() if status >= 300}
    assert set(api_errors) <= {503}, f"API: {api_errors}\n{hub.log_tail()}"
    assert len(acked.sms) > before, "the hub did not recover after the restart"
    assert not flood.unacked
    stored = await stored_inbound(url)
    assert not {body: n for body, n in stored.items() if n > 1}
    assert set(stored) == acked.sms, "stored and acknowledged webhooks differ"
