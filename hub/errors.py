"""Errors actions raise; the web layer turns them into ``{"error": {code, message}}``."""

from __future__ import annotations


class HubError(Exception):
    """A refusal with a stable machine code and a human message (HTTP 4xx)."""

    code = "error"
    status = 400

    def __init_subclass__(cls, *, code: str = "", status: int = 0, **kwargs: object) -> None:
        """A refusal kind declares its code and status in its header:
        ``class NotFound(HubError, code="not_found", status=404)``."""
        super().__init_subclass__(**kwargs)
        if code:
            cls.code = code
        if status:
            cls.status = status

    def __init__(self, message: str, *, code: str | None = None, status: int | None = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        if status:
            self.status = status


class NotFound(HubError, code="not_found", status=404):
    """No such row, or not one the caller may see."""


class Invalid(HubError, code="invalid", status=422):
    """The input breaks a rule; ``message`` says which."""


class Conflict(HubError, code="conflict", status=409):
    """The request clashes with the current state (taken, already done, raced)."""


class Forbidden(HubError, code="forbidden", status=403):
    """The caller may not do this."""


class Unreachable(HubError, code="unreachable", status=422):
    """The customer cannot be reached on the requested channel (no address, opted out)."""


class SendError(Exception):
    """A connector could not deliver. ``transient`` errors are retried with backoff."""

    def __init__(self, message: str, *, code: str | None = None, transient: bool = True):
        super().__init__(message)
        self.message = message
        self.code = code
        self.transient = transient
