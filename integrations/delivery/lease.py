"""`Lease`: keeps a claimed event this worker's while its handler runs.

A claim is leased for `lease_seconds`; while its handler runs, a heartbeat thread renews it
every third of that, so a slow delivery (a slow GitHub API, a slow Slack) is never taken
over by another worker while this one is still at it, and a worker that dies stops
renewing, so its events are taken over one lease later.
"""

from __future__ import annotations

import logging
import threading
import time

from storage.queue import Claim, QueueRepository
from storage.types import utcnow

log = logging.getLogger(__name__)


class Lease:
    """Keeps the lease of one claim alive while its handler runs.

    A daemon thread renews the lease every third of `lease_seconds` (so one late or failed
    renewal is survived). `held()` turns False for good once a renewal finds the lease taken
    over, or once the lease has run out without a successful renewal (the database was
    unreachable meanwhile): from then on another worker may own the event.
    """

    def __init__(
        self, queue: QueueRepository, claim: Claim, worker_id: str, lease_seconds: float
    ) -> None:
        self._queue = queue
        self._claim = claim
        self._worker_id = worker_id
        self._lease_seconds = lease_seconds
        self._deadline = time.monotonic() + (claim.lease_until - utcnow()).total_seconds()
        self._lost = threading.Event()
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._beat, name=f"lease-{claim.id}", daemon=True)

    def start(self) -> Lease:
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop renewing (before the attempt is ended; a renewal in flight finishes first)."""
        self._stopped.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join()

    def held(self) -> bool:
        """Whether this worker still owns the event (checked before each Slack call)."""
        if not self._lost.is_set() and time.monotonic() >= self._deadline:
            self._lose("expired without a successful renewal")
        return not self._lost.is_set()

    def _beat(self) -> None:
        interval = self._lease_seconds / 3
        while not self._stopped.wait(interval) and self.held():
            started = time.monotonic()
            try:
                renewed = self._queue.renew(
                    self._claim, self._worker_id, lease_seconds=self._lease_seconds
                )
            except Exception as exc:  # the database is down, a lock timeout: retry next beat
                log.warning(
                    "delivery.lease_renew_error integration=%s type=%s",
                    self._claim.id,
                    type(exc).__name__,
                )
                continue
            if not renewed:
                self._lose("taken over by another worker")
                return
            self._deadline = started + self._lease_seconds

    def _lose(self, why: str) -> None:
        if not self._lost.is_set():
            self._lost.set()
            log.warning(
                "delivery.lease_lost integration=%s worker=%s reason=%s",
                self._claim.id,
                self._worker_id,
                why,
            )
