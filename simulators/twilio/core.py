"""The simulator's shared state: the account, failure injection and signed callbacks.

Resources (``simulators.twilio.messages``, and others added the same way) hold
their own records and use this object for what every Twilio resource shares:
Basic-auth checks, Twilio's JSON error shape, injected failures and posting signed
webhooks back to the application.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import logging
import secrets
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

import httpx
from starlette.requests import Request
from starlette.responses import JSONResponse

from connectors.twilio.signatures import SIGNATURE_HEADER, sign

if TYPE_CHECKING:
    from simulators.twilio.resource import Resource

log = logging.getLogger(__name__)

R = TypeVar("R", bound="Resource")

API_VERSION = "2010-04-01"


@dataclass(frozen=True)
class Failure:
    """What the next matching request gets instead of success.

    ``status`` >= 500 with ``accept=False``: nothing is recorded (an outage).
    ``status`` 4xx: Twilio refuses with ``code``/``message`` (nothing recorded).
    ``accept=True``: the request IS carried out (the message exists at "Twilio"), but
    the answer is lost: an error ``status`` is returned, or with ``hang=True`` no
    answer comes until the simulator stops — as when a process dies mid-request.
    """

    status: int = 500
    code: int | None = None
    message: str = "Internal server error"
    accept: bool = False
    hang: bool = False


def new_sid(prefix: str) -> str:
    """A Twilio-shaped SID: two letters and 32 hex digits."""
    return prefix + secrets.token_hex(16)


def twilio_error(status: int, code: int | None, message: str) -> JSONResponse:
    """An error in Twilio's REST JSON shape (what ``TwilioRestException`` parses)."""
    more_info = f"https://www.twilio.com/docs/errors/{code}" if code else None
    return JSONResponse(
        {"code": code, "message": message, "more_info": more_info, "status": status},
        status_code=status,
    )


class Simulator:
    """One simulated Twilio account.

    ``account_sid``/``auth_token`` are what the client must present (HTTP Basic) and
    what callbacks are signed with. ``callback_delay`` spaces out status callbacks.
    """

    def __init__(self, account_sid: str, auth_token: str, *, callback_delay: float = 0.02) -> None:
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.callback_delay = callback_delay
        self.resources: dict[type[Resource], Resource] = {}
        self.failures: deque[Failure] = deque()
        # Every callback posted: (url, params, HTTP status or None on network error).
        self.callbacks: list[tuple[str, dict[str, str], int | None]] = []
        self.released = asyncio.Event()
        # Called with (CallSid, TwiML text) whenever the application answers a call's
        # Url (``CallsResource``): how conferences learn who joins them.
        self.twiml_listeners: list[Callable[[str, str], None]] = []
        self._tasks: set[asyncio.Task[None]] = set()
        self._http: httpx.AsyncClient | None = None

    # -- resources -----------------------------------------------------------------

    def add(self, resource: Resource) -> None:
        self.resources[type(resource)] = resource

    def resource(self, cls: type[R]) -> R:
        """The instance of resource class ``cls`` in this simulator."""
        found = self.resources[cls]
        assert isinstance(found, cls)
        return found

    # -- failure injection ---------------------------------------------------------

    def fail_next(self, count: int = 1, *, status: int = 503) -> None:
        """The next ``count`` requests fail with a 5xx and change nothing."""
        for _ in range(count):
            self.failures.append(Failure(status=status, message="Service unavailable"))

    def reject_next(self, code: int, message: str, *, status: int = 400) -> None:
        """The next request is refused with Twilio error ``code`` (e.g. 21211)."""
        self.failures.append(Failure(status=status, code=code, message=message))

    def accept_and_fail_next(self, *, status: int = 502) -> None:
        """The next request succeeds at "Twilio" but its answer is a 5xx."""
        self.failures.append(Failure(status=status, message="Bad gateway", accept=True))

    def accept_and_hang_next(self) -> None:
        """The next request succeeds at "Twilio" but never answers (until ``close``)."""
        self.failures.append(Failure(accept=True, hang=True))

    def take_failure(self) -> Failure | None:
        return self.failures.popleft() if self.failures else None

    # -- requests ------------------------------------------------------------------

    def authorize(self, request: Request, account_sid: str) -> JSONResponse | None:
        """None when Basic auth matches this account; Twilio's 401/404 answer otherwise."""
        header = request.headers.get("authorization", "")
        scheme, _, encoded = header.partition(" ")
        try:
            user, _, password = base64.b64decode(encoded).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            user = password = ""
        if scheme.lower() != "basic" or not (
            secrets.compare_digest(user, self.account_sid)
            and secrets.compare_digest(password, self.auth_token)
        ):
            return twilio_error(401, 20003, "Authenticate")
        if account_sid != self.account_sid:
            return twilio_error(404, 20404, "The requested resource was not found")
        return None

    async def answer_failure(
        self, failure: Failure, carry_out: Callable[[], Awaitable[Any]]
    ) -> JSONResponse:
        """Apply an injected ``failure``; ``carry_out`` performs the request's effect."""
        if failure.accept:
            await carry_out()
        if failure.hang:
            await self.released.wait()
        return twilio_error(failure.status, failure.code, failure.message)

    # -- callbacks -----------------------------------------------------------------

    def background(self, coro: Awaitable[None]) -> None:
        """Run ``coro`` after the response; kept referenced until it finishes."""

        async def runner() -> None:
            try:
                await coro
            except Exception:
                log.exception("simulator background task failed")

        task = asyncio.get_running_loop().create_task(runner())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def post_webhook(self, url: str, params: dict[str, str]) -> int | None:
        """POST ``params`` form-encoded to ``url`` with Twilio's ``X-Twilio-Signature``."""
        if self._http is None:
            self._http = httpx.AsyncClient(timeout=10.0)
        headers = {SIGNATURE_HEADER: sign(self.auth_token, url, params)}
        status: int | None
        try:
            response = await self._http.post(url, data=params, headers=headers)
            status = response.status_code
        except httpx.HTTPError as exc:
            log.warning("simulator webhook to %s failed: %s", url, exc)
            status = None
        self.callbacks.append((url, params, status))
        return status

    async def post_twiml(self, call_sid: str, url: str, params: dict[str, str]) -> int | None:
        """POST a call's ``url`` like ``post_webhook`` and hand the TwiML answered to the
        ``twiml_listeners`` (Twilio then executes it)."""
        if self._http is None:
            self._http = httpx.AsyncClient(timeout=10.0)
        headers = {SIGNATURE_HEADER: sign(self.auth_token, url, params)}
        try:
            response = await self._http.post(url, data=params, headers=headers)
        except httpx.HTTPError as exc:
            log.warning("simulator webhook to %s failed: %s", url, exc)
            self.callbacks.append((url, params, None))
            return None
        self.callbacks.append((url, params, response.status_code))
        if response.status_code == 200:
            for listener in self.twiml_listeners:
                listener(call_sid, response.text)
        return response.status_code

    async def close(self) -> None:
        """Release hung requests, cancel pending callbacks, close the HTTP client."""
        self.released.set()
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._http is not None:
            await self._http.aclose()
            self._http = None
