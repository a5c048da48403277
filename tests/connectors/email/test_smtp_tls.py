"""Outbound mail through a server that offers STARTTLS and requires AUTH (aiosmtpd on
loopback with a certificate made for the test): the hub upgrades, logs in and sends;
a wrong password is a permanent failure."""

from __future__ import annotations

import ssl
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session
from sqlalchemy import select

from hub.models import Event
from simulators.mail.sink import MailSink
from tests.connectors.email.support import email_connector, mail, smtp_send
from tests.connectors.email.test_outbound import reply, run_due_jobs

USER, PASSWORD = "relay-user", "relay-password"


class TlsSink(MailSink):
    """The mail catcher behind STARTTLS and AUTH LOGIN/PLAIN."""

    def __init__(self, context: ssl.SSLContext) -> None:
        super().__init__()
        self.context = context
        self.logins: list[tuple[str, bool]] = []

    def authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        ok = isinstance(data, LoginPassword) and (data.login, data.password) == (
            USER.encode(),
            PASSWORD.encode(),
        )
        self.logins.append((mechanism, bool(session.ssl)))
        return AuthResult(success=ok, handled=False)

    async def start(self) -> None:
        import asyncio

        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(
            lambda: SMTP(
                self,
                hostname="relay.test",
                tls_context=self.context,
                require_starttls=True,
                auth_required=True,
                authenticator=self.authenticate,
            ),
            host=self.host,
            port=self.port,
        )


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
         "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


@pytest.fixture
async def sink(
    certificate: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[MailSink]:
    cert, key = certificate
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))  # the hub's client trusts the test CA
    catcher = TlsSink(context)
    await catcher.start()
    try:
        yield catcher
    finally:
        await catcher.stop()


@pytest.fixture
def email_env(
    email_env: dict[str, str], sink: MailSink, request: pytest.FixtureRequest
) -> dict[str, str]:
    host, port = sink.address
    password = "wrong" if request.node.get_closest_marker("wrong_password") else PASSWORD
    return {**email_env, "HUB_SMTP_URL": f"smtp://{USER}:{password}@{host}:{port}"}


async def customer_id_of(app: Any) -> int:
    receiver = email_connector(app.state.hub).receiver
    assert receiver is not None
    await smtp_send(receiver.address, mail())
    async with app.state.hub.read() as session:
        return (await session.execute(select(Event.customer_id))).scalar_one()


async def test_starttls_then_auth_then_send(app: Any, sink: TlsSink) -> None:
    hub = app.state.hub
    event_id = await reply(hub, await customer_id_of(app))
    await run_due_jobs(hub)
    assert len(sink.messages) == 1
    assert sink.logins and all(over_tls for _, over_tls in sink.logins)
    async with hub.read() as session:
        event = await session.get(Event, event_id)
    assert event is not None and event.status == "sent"


@pytest.mark.wrong_password
async def test_a_refused_login_fails_the_reply(app: Any, sink: TlsSink) -> None:
    hub = app.state.hub
    event_id = await reply(hub, await customer_id_of(app))
    await run_due_jobs(hub)
    assert sink.messages == []
    async with hub.read() as session:
        event = await session.get(Event, event_id)
    assert event is not None and event.status == "failed"
    assert event.error_code == "smtp_535"
