"""Errors actions raise; the web layer turns them into ``{"error": {code, message}}``."""

from __future__ import annotations


class HubError(Exception):
    """A refusal with a stable machine code and a human message (HTTP 4xx)."""

    code = "error"
    status = 400

    def __init__(self, message: str, *, code: str | None = None, status: int | None = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        if status:
            self.status = status


class NotFound(HubError):
    code = "not_found"
    status = 404


class Invalid(HubError):
    code = "invalid"
    status = 422


class Conflict(HubError):
    code = "conflict"
    status = 409


class Forbidden(HubError):
    code = "forbidden"
    status = 403


class Unreachable(HubError):
    """The customer cannot be reached on the requested channel (no address, opted out)."""

    code = "unreachable"
    status = 422


class SendError(Exception):
    """A connector could not deliver. ``transient`` errors are retried with backoff."""

    def __init__(self, message: str, *, code: str | None = None, transient: bool = True):
        super().__init__(message)
        self.message = message
        self.code = code
        self.transient = transient
