"""`UnroutedSweep`: events no handler serves end as `ignored`, never pending for ever.

They are stored by an older version, or their route was removed since (the API refuses such
pairs now). Every `SWEEP_SECONDS` a worker ends them, with the reason, in one short query.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from integrations.routes import routes, unsupported
from storage.domain import Status
from storage.queue import QueueRepository

log = logging.getLogger(__name__)

SWEEP_SECONDS = 60.0
"""How often a worker ends the pending events of pairs no handler serves."""


class UnroutedSweep:
    def __init__(self, queue: QueueRepository, count: Callable[[str, str], None]) -> None:
        self._queue = queue
        self._count = count
        self._lock = threading.Lock()
        self._next = 0.0

    def when_due(self) -> None:
        """Run once every `SWEEP_SECONDS` (the first call runs at once)."""
        with self._lock:
            if time.monotonic() < self._next:
                return
            self._next = time.monotonic() + SWEEP_SECONDS
        self.run()

    def run(self) -> int:
        """End them as `ignored`, with the reason; returns how many."""
        ended = self._queue.end_unrouted(routes(), unsupported)
        for (source, target), count in ended.items():
            log.warning(
                "delivery.unrouted_ignored source=%s target=%s events=%s: %s",
                source,
                target,
                count,
                unsupported(source, target),
            )
            for _ in range(count):
                self._count(target, Status.IGNORED.value)
        return sum(ended.values())
