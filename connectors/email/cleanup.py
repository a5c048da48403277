"""Removing attachment files no message refers to any more.

Attachments are stored once per content (``attachments.AttachmentStore``), so a file
cannot be deleted with one message: another may share it. Instead, a sweep collects
the SHA-256 of every attachment still listed on an email event and deletes the other
files. Erasing a customer (``hub.actions.privacy``) removes the attachment lists from
their messages, so the next sweep deletes their files. A file younger than ``GRACE``
is kept: its message may not be committed yet (storing an existing file refreshes its
time for the same reason). The connector sweeps a few minutes after start-up (not
while a restart is busy) and then daily.
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import timedelta
from pathlib import Path

from connectors.email.attachments import AttachmentStore
from hub.port import HubPort

log = logging.getLogger(__name__)

GRACE = timedelta(hours=1)
EVERY = timedelta(days=1)
FIRST_AFTER = timedelta(minutes=5)


def _delete_unreferenced(root: Path, keep: set[str], grace: timedelta) -> int:
    if not root.is_dir():
        return 0
    cutoff = time.time() - grace.total_seconds()
    deleted = 0
    for path in root.glob("*/*"):
        if path.name in keep or not path.is_file() or path.stat().st_mtime > cutoff:
            continue
        try:
            path.unlink()
            deleted += 1
        except FileNotFoundError:
            pass  # another hub process swept it first
    return deleted


async def sweep(
    port: HubPort, store: AttachmentStore, channel: str, *, grace: timedelta = GRACE
) -> int:
    """Delete stored attachments that no event lists (older than ``grace``); returns
    how many files went."""
    keep = await port.attachment_digests(channel)
    deleted = await asyncio.to_thread(_delete_unreferenced, store.root, keep, grace)
    if deleted:
        log.info("removed %d email attachment file(s) no message refers to", deleted)
    return deleted


async def sweep_daily(port: HubPort, store: AttachmentStore, channel: str) -> None:
    """Sweep after ``FIRST_AFTER``, then every ``EVERY``, until cancelled (failures are
    logged)."""
    await asyncio.sleep(FIRST_AFTER.total_seconds())
    while True:
        try:
            await sweep(port, store, channel)
        except Exception:
            log.exception("sweeping email attachments failed")
        await asyncio.sleep(EVERY.total_seconds())
