"""`Lease`: keeps a claimed event this worker's while its handler runs.

A claim is leased for `lease_seconds`; while its handler runs, a heartbeat thread renews it,
so a slow delivery (a slow GitHub API, a slow Slack) is never taken over by another worker
while this one is still at it, and a worker that dies stops renewing, so its events are taken
over one lease later (or at once, when the registry finds its process gone).

`margin` is how long a Slack call may take (the client's timeout). The poster asks `held()`
before each call, and `held()` says yes only while the lease has at least `margin` left even
if no renewal succeeds meanwhile: a call allowed just before the lease runs out ends before
another worker may claim the event, read the thread back and post. Renewals come every third
of `lease_seconds - margin`, so two failed renewals in a row are survived.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import timedelta

from storage.queue import Claim, QueueRepository
from storage.types import utcnow

log = logging.getLogger(__name__)


class Lease:
    """Keeps the lease of one claim alive while its handler runs.

    `held()` turns False for good once a renewal finds the lease taken over, once the lease
    is closer to running out than `margin` without a successful renewal (the database was
    unreachable meanwhile), or once it is `release`d: from then on another worker may own
    the event. `margin` defaults to (and is capped at) half the lease.
    """

    def __init__(
        self,
        queue: QueueRepository,
        claim: Claim,
        worker_id: str,
        lease_seconds: float,
        *,
        margin: float | None = None,
    ) -> None:
        self._queue = queue
        self._claim = claim
        self._worker_id = worker_id
        self._lease_seconds = lease_seconds
        half = lease_seconds / 2
        self._margin = half if margin is None else max(0.0, min(margin, half))
        self._deadline = time.monotonic() + (claim.lease_until - utcnow()).total_seconds()
        self._last_permit: float | None = None
        self._lock = threading.Lock()
        self._lost = threading.Event()
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._beat, name=f"lease-{claim.id}", daemon=True)

    @property
    def claim(self) -> Claim:
        return self._claim

    def start(self) -> Lease:
        self._thread.start()
        return self

    def stop(self, timeout: float | None = None) -> None:
        """Stop renewing (before the attempt is ended; a renewal in flight finishes first)."""
        self._stopped.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout)

    def held(self) -> bool:
        """Whether this worker still owns the event for at least `margin` seconds (asked
        before each Slack call: a yes allows one call)."""
        with self._lock:
            if not self._usable(time.monotonic()):
                return False
            self._last_permit = time.monotonic()
            return True

    def release(self, timeout: float = 1.0) -> bool:
        """Give the event up (the worker is stopping before its handler ended): no further
        Slack call is allowed, and the event becomes claimable once a call allowed already
        must have ended. False when the lease was already lost or could not be released (it
        then runs out by itself)."""
        with self._lock:
            if self._lost.is_set():
                return False
            self._lose("released: the worker is stopping")
            in_flight = 0.0
            if self._last_permit is not None:
                in_flight = max(0.0, self._last_permit + self._margin - time.monotonic())
        self.stop(timeout)  # no renewal may extend the lease after the release below
        try:
            until = utcnow() + timedelta(seconds=in_flight)
            return self._queue.release(self._claim, self._worker_id, until=until)
        except Exception as exc:  # the database is down: the lease runs out by itself
            log.warning(
                "delivery.release_error integration=%s type=%s", self._claim.id, type(exc).__name__
            )
            return False

    def _usable(self, now: float) -> bool:
        """Under `_lock`, or from the beat thread (a read of two values)."""
        if not self._lost.is_set() and now + self._margin >= self._deadline:
            self._lose("no successful renewal in time")
        return not self._lost.is_set()

    def _beat(self) -> None:
        interval = max(0.01, (self._lease_seconds - self._margin) / 3)
        while not self._stopped.wait(interval) and self._usable(time.monotonic()):
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
