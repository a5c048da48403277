"""Console sign-in throttling that nobody can turn into a lock-out, and that tells
nobody which accounts exist.

Failures are counted per email address (hashed, known or not), per client address,
and per (email, client address) pair, in ``hub.counters`` (shared through Redis
when ``HUB_REDIS_URL`` is set):

- a pair past ``PAIR_LIMIT`` failures in ``WINDOW`` is refused: one guesser, one account;
- an address past ``ADDRESS_LIMIT`` failures is refused for every account (spraying);
- an account past ``ACCOUNT_LIMIT`` failures from all addresses (a botnet) is refused
  only to browsers that have not signed in to it before: a successful sign-in leaves
  a signed ``hub_device`` cookie naming the account, and that browser keeps getting
  in. The owner is never locked out by someone else's guesses.

Every refusal is the same answer as a wrong password (status, text, and the
password check still runs), for unknown, wrong and throttled alike.
"""

from __future__ import annotations

import hashlib

from itsdangerous import BadSignature, TimestampSigner

from hub.counters import Counter

WINDOW = 15 * 60.0
PAIR_LIMIT = 5
ADDRESS_LIMIT = 30
ACCOUNT_LIMIT = 20
DEVICE_COOKIE = "hub_device"
DEVICE_MAX_AGE = 90 * 86400
_DEVICE_SALT = "omnihub.console.device"


def _email_key(email: str) -> str:
    return hashlib.sha256(email.encode()).hexdigest()[:32]


class LoginThrottle:
    """The counting and the known-device cookie; ``login_submit`` decides with it."""

    def __init__(self, counter: Counter, secret_key: str) -> None:
        self.counter = counter
        self.signer = TimestampSigner(secret_key, salt=_DEVICE_SALT)

    async def allowed(self, email: str, ip: str, device: str | None) -> bool:
        """Whether this attempt may be checked at all."""
        account = _email_key(email)
        if await self.counter.count(f"login:pair:{account}:{ip}", WINDOW) >= PAIR_LIMIT:
            return False
        if await self.counter.count(f"login:ip:{ip}", WINDOW) >= ADDRESS_LIMIT:
            return False
        if await self.counter.count(f"login:account:{account}", WINDOW) >= ACCOUNT_LIMIT:
            return self.known_device(device, email)
        return True

    async def failed(self, email: str, ip: str) -> None:
        account = _email_key(email)
        await self.counter.hit(f"login:pair:{account}:{ip}", WINDOW)
        await self.counter.hit(f"login:ip:{ip}", WINDOW)
        await self.counter.hit(f"login:account:{account}", WINDOW)

    async def succeeded(self, email: str, ip: str) -> None:
        await self.counter.clear(f"login:pair:{_email_key(email)}:{ip}")

    def device_cookie(self, email: str) -> str:
        """The ``hub_device`` value a browser gets when it signs in to ``email``."""
        return self.signer.sign(_email_key(email)).decode()

    def known_device(self, cookie: str | None, email: str) -> bool:
        if not cookie:
            return False
        try:
            value = self.signer.unsign(cookie, max_age=DEVICE_MAX_AGE).decode()
        except (BadSignature, UnicodeDecodeError):
            return False
        return value == _email_key(email)
