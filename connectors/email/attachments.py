"""Email attachments: kept on disk up to a size cap, served to signed-in agents only.

Files are stored by the SHA-256 of their content under ``var/email-attachments/``, so
a message stored twice (an SMTP retry, an IMAP re-fetch after a crash) writes the same
file and nothing leaks. The event lists every attachment (``data["attachments"]``);
those over ``HUB_EMAIL_MAX_ATTACHMENT_BYTES`` are listed as ``omitted`` with their
size, so the agent knows the customer sent them and can ask for another way.

``GET /email/attachments/{sha256}`` answers only a request carrying an active agent's
console session (403 otherwise), always as a download (``Content-Disposition:
attachment``, ``nosniff``, a sandboxing CSP) except the raster image types the console
shows inline, so a customer's HTML or SVG can never run in the console's origin.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import re
from pathlib import Path
from typing import Any
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response

from connectors.email.parse import Attachment
from hub.port import HubPort
from hub.port.web import signed_in_agent

ROUTE = "/email/attachments/{digest}"
INLINE_TYPES = {"image/png", "image/jpeg", "image/gif", "image/webp"}
_DIGEST = re.compile(r"^[0-9a-f]{64}$")
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._ -]+")


class AttachmentStore:
    def __init__(self, port: HubPort, max_bytes: int) -> None:
        self.port = port
        self.max_bytes = max_bytes
        self.root = Path(port.settings.var_dir) / "email-attachments"

    def path(self, digest: str) -> Path:
        return self.root / digest[:2] / digest

    async def keep(self, attachment: Attachment) -> dict[str, Any]:
        """Store ``attachment`` (if within the cap) and describe it for the event."""
        size = len(attachment.data)
        entry: dict[str, Any] = {
            "filename": attachment.filename,
            "content_type": attachment.content_type,
            "size": size,
        }
        if size > self.max_bytes:
            entry["omitted"] = f"larger than the {_size(self.max_bytes)} limit"
            return entry
        digest = hashlib.sha256(attachment.data).hexdigest()
        await asyncio.to_thread(self._write, digest, attachment.data)
        name = quote(_SAFE_NAME.sub("_", attachment.filename) or "attachment")
        base = self.port.settings.public_url.rstrip("/")
        entry["url"] = f"{base}/email/attachments/{digest}?name={name}"
        if attachment.content_type in INLINE_TYPES:
            entry["url"] += f"&type={quote(attachment.content_type, safe='')}"
        entry["sha256"] = digest
        return entry

    def _write(self, digest: str, data: bytes) -> None:
        path = self.path(digest)
        if path.exists():
            # Fresh again, so a sweep running now does not take it from the message
            # about to be committed (``cleanup.GRACE``).
            os.utime(path)
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(f".{os.getpid()}.part")
        partial.write_bytes(data)
        os.replace(partial, path)

    async def serve(self, request: Request) -> Response:
        """``GET /email/attachments/{sha256}?name=…`` for a signed-in agent (401
        ``login_required`` otherwise)."""
        await signed_in_agent(request)  # the hub's one browser check (401 / 403)
        digest = request.path_params["digest"]
        path = self.path(digest) if _DIGEST.match(digest) else None
        if path is None or not path.is_file():
            return _error(404, "not_found", "no such attachment")
        name = _SAFE_NAME.sub("_", request.query_params.get("name", "")) or "attachment"
        content_type = request.query_params.get("type", "")
        inline = content_type in INLINE_TYPES
        disposition = "inline" if inline else "attachment"
        return FileResponse(
            path,
            media_type=content_type if inline else "application/octet-stream",
            headers={
                "Content-Disposition": f'{disposition}; filename="{name}"',
                "X-Content-Type-Options": "nosniff",
                "Content-Security-Policy": "sandbox; default-src 'none'",
                "Cache-Control": "private, max-age=3600",
            },
        )


def _size(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):g} MB"
    return f"{size / 1024:g} KB" if size >= 1024 else f"{size} bytes"


def _error(status: int, code: str, message: str) -> Response:
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status)
