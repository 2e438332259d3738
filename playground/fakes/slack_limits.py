"""Slack's per-channel posting limit, for the fake Slack (off unless a test turns it on).

Slack lets an app post about one message per second into one channel (`chat.postMessage`'s
"special" rate limit), tolerating short bursts; above that it answers HTTP 429 with
`Retry-After` (whole seconds) and `{"ok": false, "error": "ratelimited"}`, and the message is
not posted. Modelled as a token bucket per channel: `per_second` tokens a second, at most
`burst` held; a post takes one token, a refused post takes none.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Decision:
    """A post the limit let through (`retry_after` None) or turned away (the `Retry-After`
    answered): the channel, and when (`time.monotonic()`)."""

    channel: str
    at: float
    retry_after: int | None = None


@dataclass
class _Bucket:
    tokens: float
    updated: float


@dataclass
class ChannelPostLimit:
    per_second: float = 1.0
    burst: float = 1.0
    clock: Callable[[], float] = time.monotonic
    decisions: list[Decision] = field(default_factory=list)
    _buckets: dict[str, _Bucket] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        if self.per_second <= 0 or self.burst < 1:
            raise ValueError("per_second must be positive and burst at least 1")

    def take(self, channel: str) -> int | None:
        """None when `channel` may take a post now (its token is spent); else the
        `Retry-After` to answer, in whole seconds (at least 1, as Slack sends)."""
        with self._lock:
            now = self.clock()
            bucket = self._buckets.setdefault(channel, _Bucket(self.burst, now))
            bucket.tokens = min(
                self.burst, bucket.tokens + (now - bucket.updated) * self.per_second
            )
            bucket.updated = now
            if bucket.tokens >= 1.0:
                bucket.tokens -= 1.0
                self.decisions.append(Decision(channel, now))
                return None
            retry_after = max(1, math.ceil((1.0 - bucket.tokens) / self.per_second))
            self.decisions.append(Decision(channel, now, retry_after))
            return retry_after

    def granted(self, channel: str | None = None) -> list[Decision]:
        """The posts let through, oldest first."""
        return [d for d in self._log(channel) if d.retry_after is None]

    def refused(self, channel: str | None = None) -> list[Decision]:
        """The posts answered 429, oldest first."""
        return [d for d in self._log(channel) if d.retry_after is not None]

    def _log(self, channel: str | None) -> list[Decision]:
        with self._lock:
            return [d for d in self.decisions if channel is None or d.channel == channel]
