"""IMAP polling against a real Dovecot on loopback: mail lands once, is marked only
after commit, and a crash between the two neither loses nor duplicates it."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator, Iterator
from typing import Any

import aioimaplib
import pytest
from sqlalchemy import func, select

from connectors.email.imap import IMPORTED, REFUSED, ImapPoller
from connectors.email.settings import EmailSettings
from hub.models import Event
from tests.connectors.email.dovecot import PASSWORD, USER, Dovecot, running_dovecot
from tests.connectors.email.support import email_connector, mail


@pytest.fixture(scope="module")
def dovecot() -> Iterator[Dovecot]:
    with running_dovecot() as server:
        yield server


@pytest.fixture
async def mailbox(dovecot: Dovecot) -> AsyncIterator[aioimaplib.IMAP4]:
    """A client on the test user's INBOX, emptied first."""
    client = aioimaplib.IMAP4(host="127.0.0.1", port=dovecot.port)
    await client.wait_hello_from_server()
    await client.login(USER, PASSWORD)
    await client.select("INBOX")
    await client.store("1:*", "+FLAGS.SILENT (\\Deleted)")
    await client.expunge()
    await client.delete("Imported")
    try:
        yield client
    finally:
        await client.logout()


async def append(client: aioimaplib.IMAP4, raw: bytes) -> None:
    response = await client.append(raw, mailbox="INBOX")
    assert response.result == "OK", response


async def keywords(client: aioimaplib.IMAP4, keyword: str) -> list[str]:
    await client.noop()  # see what other sessions changed
    found = await client.uid_search(f"KEYWORD {keyword}", charset=None)
    return bytes(found.lines[0]).decode().split()


async def email_count(hub: Any) -> int:
    async with hub.read() as session:
        count = await session.scalar(
            select(func.count()).select_from(Event).where(Event.channel == "email")
        )
    return int(count or 0)


async def eventually(check: Any, within: float = 15.0) -> None:
    deadline = asyncio.get_running_loop().time() + within
    while not await check():
        if asyncio.get_running_loop().time() > deadline:
            pytest.fail(f"condition not met within {within}s")
        await asyncio.sleep(0.05)


def poller_for(app: Any, dovecot: Dovecot, **changes: Any) -> ImapPoller:
    """A poller of the test mailbox on the app's email connector (not started)."""
    connector = email_connector(app.state.hub)
    imap = EmailSettings.from_settings(
        app.state.hub.settings.with_(environ={"HUB_IMAP_URL": dovecot.url})
    ).imap
    settings = dataclasses.replace(connector.settings, imap=imap, **changes)
    return ImapPoller(connector.inbound, settings)


@pytest.fixture
def email_env(
    email_env: dict[str, str], dovecot: Dovecot, request: pytest.FixtureRequest
) -> dict[str, str]:
    if request.node.get_closest_marker("imap_running"):
        return {**email_env, "HUB_IMAP_URL": dovecot.url, "HUB_IMAP_POLL_SECONDS": "120"}
    return email_env


@pytest.mark.imap_running
async def test_mail_in_the_mailbox_lands_once_and_is_flagged(
    app: Any, mailbox: aioimaplib.IMAP4
) -> None:
    hub = app.state.hub
    message = mail(message_id="<imap-1@customer.example>").as_bytes()
    await append(mailbox, message)
    await append(mailbox, message)  # the same mail twice in the box (e.g. a re-filter)

    async def both_flagged() -> bool:
        return len(await keywords(mailbox, IMPORTED)) == 2

    await eventually(both_flagged)
    assert await email_count(hub) == 1
    # Arriving while the poller idles is picked up too: Dovecot announces it under IDLE
    # (the poll interval, 120 s, is longer than this test waits).
    await append(mailbox, mail(message_id="<imap-2@customer.example>").as_bytes())

    async def second_landed() -> bool:
        return await email_count(hub) == 2

    await eventually(second_landed)


async def test_a_crash_between_commit_and_flag_does_not_duplicate(
    app: Any, dovecot: Dovecot, mailbox: aioimaplib.IMAP4
) -> None:
    hub = app.state.hub
    await append(mailbox, mail(message_id="<crash@customer.example>").as_bytes())
    poller = poller_for(app, dovecot)
    client = await poller.connect()
    real_mark = poller.mark

    async def crash(*args: Any, **kwargs: Any) -> None:
        raise ConnectionResetError("the process died here")

    poller.mark = crash  # type: ignore[method-assign]
    with pytest.raises(ConnectionResetError):
        await poller.poll_once(client)
    assert await email_count(hub) == 1  # committed
    assert await keywords(mailbox, IMPORTED) == []  # but not flagged
    await client.logout()

    poller.mark = real_mark  # type: ignore[method-assign]
    client = await poller.connect()  # "after the restart"
    assert await poller.poll_once(client) == 1
    await client.logout()
    assert await email_count(hub) == 1
    assert len(await keywords(mailbox, IMPORTED)) == 1


async def test_imported_mail_can_be_moved_instead_of_flagged(
    app: Any, dovecot: Dovecot, mailbox: aioimaplib.IMAP4
) -> None:
    await mailbox.create("Imported")
    await append(mailbox, mail().as_bytes())
    poller = poller_for(app, dovecot, imap_move_to="Imported")
    client = await poller.connect()
    await poller.poll_once(client)
    await client.logout()
    assert await email_count(app.state.hub) == 1
    status = await mailbox.status("Imported", "(MESSAGES)")
    assert b"MESSAGES 1" in bytes(status.lines[0])
    await mailbox.noop()
    found = await mailbox.uid_search("ALL", charset=None)
    assert bytes(found.lines[0]).split() == []


async def test_a_message_over_the_limit_is_flagged_refused_not_downloaded(
    app: Any, dovecot: Dovecot, mailbox: aioimaplib.IMAP4
) -> None:
    await append(mailbox, mail(body="x" * 5000).as_bytes())
    await append(mailbox, mail(body="small").as_bytes())
    poller = poller_for(app, dovecot, max_message_bytes=4000)
    client = await poller.connect()
    await poller.poll_once(client)
    await client.logout()
    assert len(await keywords(mailbox, REFUSED)) == 1
    assert len(await keywords(mailbox, IMPORTED)) == 1
    assert await email_count(app.state.hub) == 1


async def test_imaps_with_a_verified_certificate(
    app: Any, dovecot: Dovecot, mailbox: aioimaplib.IMAP4, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(dovecot.certificate))  # trust the test CA
    await append(mailbox, mail(message_id="<tls@customer.example>").as_bytes())
    connector = email_connector(app.state.hub)
    imap = EmailSettings.from_settings(
        app.state.hub.settings.with_(environ={"HUB_IMAP_URL": dovecot.tls_url})
    ).imap
    assert imap is not None and imap.tls
    poller = ImapPoller(connector.inbound, dataclasses.replace(connector.settings, imap=imap))
    client = await poller.connect()
    assert await poller.poll_once(client) == 1
    await client.logout()
    assert await email_count(app.state.hub) == 1
    assert len(await keywords(mailbox, IMPORTED)) == 1
