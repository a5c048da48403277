"""In-process token buckets for the widget's rate limits.

Each hub process keeps its own buckets: with N processes behind a load balancer a
client gets at most N times the rate, which is enough to stop a runaway script or a
flood from one address without shared state.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

MAX_KEYS = 10_000


@dataclass
class _Bucket:
    tokens: float
    updated: float


class RateLimiter:
    """``burst`` actions at once, then ``per_second`` on average, per key."""

    def __init__(
        self, burst: int, per_second: float, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.burst = float(burst)
        self.per_second = per_second
        self.clock = clock
        self._buckets: dict[str, _Bucket] = {}

    def allow(self, key: str, cost: float = 1.0) -> bool:
        """Take ``cost`` tokens from ``key``'s bucket; False (and nothing taken) if empty."""
        now = self.clock()
        bucket = self._buckets.get(key)
        if bucket is None:
            if len(self._buckets) >= MAX_KEYS:
                self._prune(now)
            bucket = self._buckets[key] = _Bucket(self.burst, now)
        else:
            bucket.tokens = min(
                self.burst, bucket.tokens + (now - bucket.updated) * self.per_second
            )
            bucket.updated = now
        if bucket.tokens < cost:
            return False
        bucket.tokens -= cost
        return True

    def _prune(self, now: float) -> None:
        """Forget buckets that have refilled (they behave exactly like new ones)."""
        full = [
            key
            for key, b in self._buckets.items()
            if b.tokens + (now - b.updated) * self.per_second >= self.burst
        ]
        for key in full:
            del self._buckets[key]
        if len(self._buckets) >= MAX_KEYS:  # all busy: drop the oldest half
            for key, _ in sorted(self._buckets.items(), key=lambda kv: kv[1].updated)[
                : MAX_KEYS // 2
            ]:
                del self._buckets[key]


@dataclass
class WidgetLimits:
    """The widget's limits, one limiter per kind of action."""

    # Messages per visitor (or verified user) and per client IP address.
    visitor_messages: RateLimiter
    ip_messages: RateLimiter
    # New socket connections per IP, and user_hash checks per IP (slows guessing).
    ip_connects: RateLimiter
    ip_user_hash: RateLimiter
    # Typing notices and handoff requests per visitor.
    visitor_typing: RateLimiter
    visitor_handoffs: RateLimiter
    # Verification codes sent per visitor (each is a text message that costs money).
    visitor_verifications: RateLimiter

    @classmethod
    def defaults(cls) -> WidgetLimits:
        return cls(
            visitor_messages=RateLimiter(burst=8, per_second=0.5),
            ip_messages=RateLimiter(burst=60, per_second=5),
            ip_connects=RateLimiter(burst=30, per_second=1),
            ip_user_hash=RateLimiter(burst=10, per_second=0.1),
            visitor_typing=RateLimiter(burst=10, per_second=2),
            visitor_handoffs=RateLimiter(burst=3, per_second=0.05),
            visitor_verifications=RateLimiter(burst=3, per_second=1 / 300),
        )
