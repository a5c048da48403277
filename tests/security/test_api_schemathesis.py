"""schemathesis against ``/api/v1/openapi.json``: no 5xx, every answer as documented.

A real ``hub serve`` subprocess (SQLite file, then PostgreSQL; seeded through the API
so ids and searches find something) is fuzzed through the schemathesis Python API
with a valid API token: every operation gets a bounded number of generated requests (hypothesis),
each checked with schemathesis' default checks (status code documented, content type
and body conforming to the schema, no server error).
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tests.reliability.conftest import ROOT, HubProcess, empty_db, hub_command  # noqa: F401

EXAMPLES_PER_OPERATION = int(os.environ.get("HUB_SCHEMATHESIS_EXAMPLES", "40"))
# "Schema-valid requests are accepted" cannot hold where a rule is not expressible in
# OpenAPI 3.0 parameters: ``GET /customers`` needs one of phone, email or q (its
# description says so) and answers 422 without; every other check stays on.
NOT_EXPRESSIBLE = [positive_data_acceptance]


def seed(url: str, token: str) -> None:
    """Customers with orders, notes and details, so ids and searches find something."""
    auth = {"Authorization": f"Bearer {token}"}
    for n in range(1, 4):
        order = {
            "external_id": f"order-{n}",
            "phone": f"+1555010{n:04d}",
            "name": f"Customer {n}",
            "items": [{"name": "Kettle", "quantity": n, "unit_price_cents": 1999}],
        }
        response = httpx.post(url + "/api/v1/orders", json=order, headers=auth)
        assert response.status_code in (200, 201), response.text
        customer = response.json()["customer_id"]
        note = httpx.post(
            f"{url}/api/v1/customers/{customer}/notes", json={"body": "vip"}, headers=auth
        )
        assert note.status_code == 201, note.text


@pytest.fixture
def live_hub(empty_db: str, tmp_path: Path) -> Iterator[tuple[str, str]]:  # noqa: F811
    """``(url, token)`` of a ``hub serve`` subprocess with a few customers."""
    hub = HubProcess(empty_db, tmp_path, "http://127.0.0.1:9")
    token = asyncio.run(hub.run("create-api-token", "schemathesis")).split()[-1]
    with hub.log_path.open("ab") as log:
        proc = subprocess.Popen(
            hub_command("serve", "--port", str(hub.port), "--no-outbox"),
            env=hub.env,
            cwd=ROOT,
            stdout=log,
            stderr=log,
        )
    try:
        for _ in range(400):
            try:
                if httpx.get(hub.url + "/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert proc.poll() is None, hub.log_tail()
            time.sleep(0.05)
        seed(hub.url, token)
        yield hub.url, token
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.mark.timeout(120)
def test_every_operation_answers_as_documented_and_never_5xx(live_hub: tuple[str, str]) -> None:
    url, token = live_hub
    schema = schemathesis.openapi.from_url(url + "/api/v1/openapi.json")
    auth = {"Authorization": f"Bearer {token}"}
    failures: list[str] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 8

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def check(case: schemathesis.Case) -> None:
            case.call_and_validate(
                base_url=url + "/api/v1", headers=auth, excluded_checks=NOT_EXPRESSIBLE
            )

        try:
            check()
        except (Exception, BaseExceptionGroup) as exc:  # report every operation's failure
            failures.append(f"{operation.label}: {exc}")
    assert not failures, "\n\n".join(failures)
