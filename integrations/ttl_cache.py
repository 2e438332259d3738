"""`TtlCache`: a small thread-safe cache whose entries expire, misses included.

Used where a lookup is cheap to repeat but too slow to make per message: Slack users and
their Jira accounts, a channel's default project, Jira's create metadata.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")

TTL_SECONDS = 300.0
MAX_ENTRIES = 5000


class TtlCache(Generic[K, V]):
    """A small thread-safe cache whose entries expire after `ttl` seconds."""

    def __init__(
        self,
        ttl: float = TTL_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        *,
        max_entries: int = MAX_ENTRIES,
    ) -> None:
        self._ttl = ttl
        self._clock = clock
        self._max_entries = max_entries
        self._lock = threading.Lock()
        self._entries: dict[K, tuple[float, V]] = {}

    def peek(self, key: K) -> V | None:
        """The cached value, without loading it."""
        with self._lock:
            hit = self._entries.get(key)
            return hit[1] if hit is not None and hit[0] > self._clock() else None

    def forget(self, key: K) -> None:
        """Drop `key`, so the next `get_or_load` loads it again."""
        with self._lock:
            self._entries.pop(key, None)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def get_or_load(self, key: K, load: Callable[[], V]) -> V:
        now = self._clock()
        with self._lock:
            hit = self._entries.get(key)
            if hit is not None and hit[0] > now:
                return hit[1]
        value = load()
        with self._lock:
            if len(self._entries) >= self._max_entries:
                self._entries.clear()
            self._entries[key] = (now + self._ttl, value)
        return value
