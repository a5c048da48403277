"""Polling a mailbox over IMAP (``aioimaplib``), with IDLE where the server offers it.

Each pass searches the mailbox for messages not yet imported, fetches each one
without marking it read (``BODY.PEEK[]``), hands it to ``EmailInbound.receive`` and
— only once that has committed — marks it: the keyword ``$HubImported`` (or
``$HubRefused`` for a message judged unstorable, so it is not fetched forever), or
a move to ``HUB_IMAP_MOVE_TO``. A crash between the commit and the mark leaves the
message unmarked; the next pass fetches it again and the Message-ID makes it a
no-op, so nothing is lost and nothing is stored twice.

Messages larger than ``HUB_EMAIL_MAX_MESSAGE_BYTES`` (``RFC822.SIZE``) are marked
refused without being downloaded.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import ssl

import aioimaplib

from connectors.email.inbound import EmailInbound
from connectors.email.settings import EmailSettings, Endpoint

log = logging.getLogger(__name__)

IMPORTED = "$HubImported"
REFUSED = "$HubRefused"
IDLE_SECONDS = 300.0  # re-issue IDLE this often (servers drop idle clients after 30 min)
RETRY_SECONDS = (1.0, 5.0, 15.0, 60.0)
_UID = re.compile(rb"UID (\d+)")
_SIZE = re.compile(rb"RFC822\.SIZE (\d+)")


class ImapError(Exception):
    """The IMAP server refused a command; the poller reconnects and tries again."""


def _check(response: aioimaplib.Response, what: str) -> aioimaplib.Response:
    if response.result != "OK":
        lines = b" ".join(bytes(line) for line in response.lines)[:200]
        raise ImapError(f"{what}: {response.result} {lines!r}")
    return response


def _announces_mail(response: aioimaplib.Response) -> bool:
    """Whether an untagged ``* n EXISTS`` rode along with a command's answer: the server
    has then told us of new mail, and will not repeat it when IDLE starts."""
    return any(
        isinstance(line, bytes | bytearray) and line.endswith(b" EXISTS") for line in response.lines
    )


class ImapPoller:
    def __init__(self, inbound: EmailInbound, settings: EmailSettings) -> None:
        assert settings.imap is not None
        self.inbound = inbound
        self.endpoint: Endpoint = settings.imap
        self.mailbox = settings.imap.path or "INBOX"
        self.move_to = settings.imap_move_to
        self.poll_seconds = settings.imap_poll_seconds
        self.max_bytes = settings.max_message_bytes
        self._task: asyncio.Task[None] | None = None
        self._client: aioimaplib.IMAP4 | None = None
        self._stopping = False
        self._new_mail = False

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="imap")

    async def stop(self) -> None:
        self._stopping = True
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
        await self._disconnect()

    async def _run(self) -> None:
        failures = 0
        while not self._stopping:
            try:
                client = await self.connect()
                failures = 0
                while not self._stopping:
                    handled = await self.poll_once(client)
                    if not handled and not self._new_mail:
                        await self._wait(client)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                delay = RETRY_SECONDS[min(failures, len(RETRY_SECONDS) - 1)]
                failures += 1
                log.warning("IMAP %s: %r; retrying in %ss", self.endpoint, exc, delay)
                await self._disconnect()
                await asyncio.sleep(delay)

    async def connect(self) -> aioimaplib.IMAP4:
        """Log in and select the mailbox; the client is closed by ``stop``."""
        endpoint = self.endpoint
        client: aioimaplib.IMAP4
        if endpoint.tls:
            client = aioimaplib.IMAP4_SSL(
                host=endpoint.host, port=endpoint.port, ssl_context=ssl.create_default_context()
            )
        else:
            client = aioimaplib.IMAP4(host=endpoint.host, port=endpoint.port)
        self._client = client
        await client.wait_hello_from_server()
        _check(await client.login(endpoint.username or "", endpoint.password or ""), "LOGIN")
        _check(await client.select(self.mailbox), f"SELECT {self.mailbox}")
        return client

    async def _disconnect(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(client.logout(), 5)

    async def poll_once(self, client: aioimaplib.IMAP4) -> int:
        """Import every message not yet marked; returns how many were handled."""
        # Moved mail leaves the mailbox; flagged mail stays and is skipped by keyword.
        criteria = f"UNKEYWORD {REFUSED}" + ("" if self.move_to else f" UNKEYWORD {IMPORTED}")
        self._new_mail = False
        found = self._seen(_check(await client.uid_search(criteria, charset=None), "SEARCH"))
        uids = [int(u) for line in found.lines[:1] for u in bytes(line).split() if u.isdigit()]
        for uid in sorted(uids):
            await self._import(client, uid)
        return len(uids)

    async def _import(self, client: aioimaplib.IMAP4, uid: int) -> None:
        size = self._seen(
            _check(await client.uid("fetch", str(uid), "(RFC822.SIZE)"), "FETCH SIZE")
        )
        match = next((_SIZE.search(bytes(x)) for x in size.lines if _SIZE.search(bytes(x))), None)
        if match is not None and int(match.group(1)) > self.max_bytes:
            log.warning(
                "IMAP message %s is larger than %s bytes; not imported", uid, self.max_bytes
            )
            await self.mark(client, uid, refused=True)
            return
        fetched = self._seen(_check(await client.uid("fetch", str(uid), "(BODY.PEEK[])"), "FETCH"))
        raw = next((bytes(x) for x in fetched.lines if isinstance(x, bytearray)), None)
        if raw is None:
            log.warning("IMAP message %s came back without a body", uid)
            return
        outcome = await self.inbound.receive(raw)
        if outcome.status == "refused":
            log.warning("IMAP message %s refused: %s", uid, outcome.reason)
        await self.mark(client, uid, refused=not outcome.accepted)

    async def mark(self, client: aioimaplib.IMAP4, uid: int, *, refused: bool = False) -> None:
        """Record on the server that ``uid`` was handled (after its commit)."""
        if self.move_to and not refused:
            if client.has_capability("MOVE"):
                _check(await client.uid("move", str(uid), self.move_to), "MOVE")
                return
            _check(await client.uid("copy", str(uid), self.move_to), "COPY")
            _check(await client.uid("store", str(uid), "+FLAGS.SILENT (\\Deleted)"), "STORE")
            _check(await client.expunge(), "EXPUNGE")
            return
        keyword = REFUSED if refused else IMPORTED
        self._seen(
            _check(await client.uid("store", str(uid), f"+FLAGS.SILENT ({keyword})"), "STORE")
        )

    def _seen(self, response: aioimaplib.Response) -> aioimaplib.Response:
        if _announces_mail(response):
            self._new_mail = True
        return response

    async def _wait(self, client: aioimaplib.IMAP4) -> None:
        """Until the server reports new mail (IDLE) or the poll interval passed (a
        poll every ``HUB_IMAP_POLL_SECONDS`` even under IDLE: a safety net)."""
        if not client.has_capability("IDLE"):
            await asyncio.sleep(self.poll_seconds)
            return
        wait = min(IDLE_SECONDS, self.poll_seconds)
        idle = await client.idle_start(timeout=wait + 10)
        try:
            while True:
                pushed = await client.wait_server_push(timeout=wait)
                if any(
                    b"EXISTS" in bytes(line)
                    for line in pushed
                    if isinstance(line, bytes | bytearray)
                ):
                    break
        except TimeoutError:
            pass
        finally:
            client.idle_done()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(idle, 10)
