"""The terminal's offline queue: frames not yet acked, kept on disk (an SQLite file).

A frame goes in before it is first sent and leaves only when its ack arrives, so a
crash, a reboot or a dropped Wi-Fi link never loses it; the hub's stored acks make
sending it again harmless.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any


class OfflineQueue:
    """Frames in the order they were queued; ``put`` and ``remove`` commit at once."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(self.path, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS frames ("
            " seq INTEGER PRIMARY KEY AUTOINCREMENT,"
            " id TEXT NOT NULL UNIQUE,"
            " frame TEXT NOT NULL)"
        )

    def put(self, frame: dict[str, Any]) -> None:
        self._db.execute(
            "INSERT OR IGNORE INTO frames (id, frame) VALUES (?, ?)",
            (frame["id"], json.dumps(frame)),
        )

    def remove(self, frame_id: str) -> None:
        self._db.execute("DELETE FROM frames WHERE id = ?", (frame_id,))

    def pending(self) -> list[dict[str, Any]]:
        rows = self._db.execute("SELECT frame FROM frames ORDER BY seq").fetchall()
        return [json.loads(row[0]) for row in rows]

    def __len__(self) -> int:
        return int(self._db.execute("SELECT count(*) FROM frames").fetchone()[0])

    def close(self) -> None:
        self._db.close()
