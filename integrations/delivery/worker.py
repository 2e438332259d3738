"""The delivery worker: claims due events, runs their handler, and records how it went.

Process model. `python app.py` (and each gunicorn worker process, via `create_app`) runs a
worker in background threads unless `CONNECT_WORKER=off`; `python app.py worker` runs one in
the foreground. Any number of workers may share one PostgreSQL or MySQL/MariaDB database:
claims are leases (`storage.queue`), so they never deliver an event twice at once, and a
killed worker's events are taken over when its lease runs out (`lease_seconds`, 20 s by
default) or, on its own host, at once (`integrations.delivery.registry`).

Outcome policy, per attempt (each is a row of `integration_attempts`):

- the handler returns `Done` → `completed`, or `ignored` with the reason;
- it raises `Retry(retry_after=s)` (a Slack or Jira 429, or the Slack channel pacer
  deferring a post into a busy channel) → pending, due after `s` seconds (plus up to 10 %
  jitter unless `jitter=False`); such a rate-limited attempt is recorded but does not count
  against the attempt limit (being asked to slow down says nothing about the event), only
  against its own cap of `max_rate_limited` attempts, so an event that is rate-limited for
  ever still ends;
- it raises `Retry` (5xx, timeout, connection) → pending, due after an exponential backoff
  with jitter;
- it raises `Fail` → `failed` at once;
- it raises anything else (a bug) → like `Retry`, logged with its traceback;
- a retry when the attempt limit is reached → `failed` with the last error.

Events no handler serves (stored by an older version, or their route removed since; the API
refuses such pairs) are never claimed: every `SWEEP_SECONDS` they are ended as `ignored` with
the reason (`end_unrouted`) instead of waiting for ever.

Leases (`Lease`): renewed while the handler runs, so a slow delivery is never taken over
while this worker is still at it; a Slack call is made only while the lease has a whole
client timeout left. When the lease is lost (another worker took the event over after this
one stalled), the poster makes no further Slack calls, and the attempt is not recorded as
this worker's: the new owner decides how the event ends. `stop(grace)` lets the deliveries
in hand finish for up to `grace` seconds and releases the leases of those still running.

A failed event is listed by `/api/v1/integrations?status=failed` and re-queued by
`POST /api/v1/integrations/<id>/retry`.
"""

from __future__ import annotations

import logging
import os
import random
import secrets
import socket
import threading
import time
from collections.abc import Callable

from integrations.container import Container
from integrations.delivery import DeliveryContext, Done, Fail, Retry
from integrations.delivery.config import (
    CLIENT_TIMEOUT_SECONDS,
    SAFE_LEASE_SECONDS,
    WorkerConfig,
    backoff,
)
from integrations.delivery.lease import Lease
from integrations.delivery.registry import Presence
from integrations.delivery.sweep import UnroutedSweep
from integrations.routes import handler_for, routes
from integrations.slack.poster import SlackPoster
from storage.domain import Service, Status
from storage.queue import RATE_LIMITED, Claim

log = logging.getLogger(__name__)

RELEASE_RESERVE_SECONDS = 0.5  # of the shutdown grace, to release what is still running


class Worker:
    """Claims and delivers events in `config.threads` background threads (or `run_until_idle`)."""

    def __init__(
        self,
        container: Container,
        *,
        config: WorkerConfig | None = None,
        on_outcome: Callable[[str, str], None] | None = None,
        name: str | None = None,
        role: str = "worker",
        on_threads: Callable[[int], None] | None = None,
    ) -> None:
        """`on_outcome(target, outcome)` after each attempt; `on_threads(n)` with the number
        of delivery threads running, after they start and as each one ends (metrics)."""
        self.container = container
        self.repos = container.repos
        self.config = config or WorkerConfig.from_settings(container.settings)
        self._on_outcome = on_outcome
        # Unique per instance, and the prefix of each thread's lease holder id (`locked_by`).
        token = secrets.token_hex(3)
        self.name = (name or f"{socket.gethostname()[:40]}:{os.getpid()}:{token}")[:56]
        self.role = role
        self._stop_requested = False
        self._on_threads = on_threads
        self._stopping = threading.Event()
        self._wake = threading.Condition()
        self._woken = False
        self._threads: list[threading.Thread] = []
        self._sweep = UnroutedSweep(self.repos.queue, self._count)
        self._in_flight: set[Lease] = set()
        self._in_flight_lock = threading.Lock()
        self._presence: Presence | None = None
        if self.config.lease_seconds < SAFE_LEASE_SECONDS:
            log.warning(
                "worker.short_lease lease=%ss: CONNECT_DELIVERY_LEASE_SECONDS below %ss may let "
                "a renewal delayed by a busy database come too late, and a second worker "
                "deliver the same event",
                self.config.lease_seconds,
                SAFE_LEASE_SECONDS,
            )
        if not container.slack_configured:
            log.warning(
                "worker.slack_not_configured: events for Slack stay pending until "
                "SLACK_BOT_TOKEN is set"
            )

    # What may be claimed ------------------------------------------------------------------

    def routes(self) -> list[tuple[str, str]]:
        """Registered handlers whose target this worker can reach (Jira targets too when Jira
        is configured, GitHub ones with `GITHUB_TOKEN`; every handler gets the Slack poster,
        so Slack is needed for all)."""
        available = {Service.SLACK.value} if self.container.slack_configured else set()
        if available and self.container.settings.jira_configured:
            available.add(Service.JIRA.value)
        if available and self.container.github is not None:
            available.add(Service.GITHUB.value)
        return [(s, t) for s, t in routes() if t in available]

    # Lifecycle ----------------------------------------------------------------------------

    def start(self) -> Worker:
        """Join the registry (releasing the leases of dead workers on this host), then start
        the delivery threads."""
        self._presence = Presence(
            self.repos, self.name, self.role, heartbeat_seconds=self.config.heartbeat_seconds
        ).start()
        for index in range(self.config.threads):
            thread = threading.Thread(
                target=self._run_thread,
                args=(f"{self.name}:{index}"[:64],),
                name=f"delivery-{index}",
                daemon=True,
            )
            thread.start()
            self._threads.append(thread)
        self._report_threads()
        log.info(
            "worker.started name=%s threads=%s routes=%s",
            self.name,
            self.config.threads,
            ",".join(f"{s}->{t}" for s, t in self.routes()) or "none",
        )
        return self

    def request_stop(self) -> None:
        """Claim nothing more (safe in a signal handler: it only sets a flag)."""
        self._stop_requested = True

    def stop(self, grace: float | None = None) -> int:
        """Claim nothing more, let the deliveries in hand finish for up to `grace` seconds
        (default `shutdown_grace_seconds`), release those still running; returns how many."""
        grace = self.config.shutdown_grace_seconds if grace is None else grace
        deadline = time.monotonic() + max(0.0, grace - RELEASE_RESERVE_SECONDS)
        self._stop_requested = True
        self._stopping.set()
        self.wake()
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        with self._in_flight_lock:
            running = list(self._in_flight)
        released = sum(1 for lease in running if lease.release())
        if self._presence is not None:
            self._presence.stop()
        log.info(
            "worker.stopped name=%s unfinished=%s released=%s", self.name, len(running), released
        )
        return released

    @property
    def alive_threads(self) -> int:
        return sum(1 for t in self._threads if t.is_alive())

    def wake(self) -> None:
        """A new event was stored: look now instead of at the next poll. Kept until a
        thread is about to wait, so a wake that comes while every thread is busy (after its
        claim, before its wait) is not lost for a whole poll interval."""
        with self._wake:
            self._woken = True
            self._wake.notify_all()

    @property
    def stopping(self) -> bool:
        return self._stop_requested or self._stopping.is_set()

    def _run_thread(self, worker_id: str) -> None:
        try:
            self._loop(worker_id)
        finally:
            self._report_threads(ending=threading.current_thread())

    def _report_threads(self, ending: threading.Thread | None = None) -> None:
        if self._on_threads is not None:
            self._on_threads(sum(1 for t in self._threads if t.is_alive() and t is not ending))

    def _loop(self, worker_id: str) -> None:
        failures = 0
        while not self.stopping:
            try:
                handled = self.run_once(worker_id)
                failures = 0
            except Exception:  # the database is down, a deadlock victim, ...: keep the thread
                failures += 1
                log.exception("worker.loop_error worker=%s failures=%s", worker_id, failures)
                self._stopping.wait(min(30.0, self.config.poll_seconds * 2**failures))
                continue
            if handled == 0:
                with self._wake:
                    if not self.stopping and not self._woken:
                        self._wake.wait(self.config.poll_seconds)
                    self._woken = False

    # Delivering ---------------------------------------------------------------------------

    def run_once(self, worker_id: str | None = None) -> int:
        """Claim and deliver one batch; returns how many events were handled."""
        worker_id = worker_id or f"{self.name}:once"
        self._sweep.when_due()
        claims = self.repos.queue.claim(
            worker_id,
            self.routes(),
            limit=self.config.batch,
            lease_seconds=self.config.lease_seconds,
        )
        leases = [self._lease(claim, worker_id) for claim in claims]  # a batch waits leased
        with self._in_flight_lock:
            self._in_flight.update(leases)
        if self.stopping:  # claimed as the stop came: not ours to start any more
            for lease in leases:
                lease.release()
        try:
            for claim, lease in zip(claims, leases, strict=True):
                if lease.held():  # not released meanwhile by a stop
                    self.deliver(claim, worker_id, lease)
        finally:
            for lease in leases:
                lease.stop()
            with self._in_flight_lock:
                self._in_flight.difference_update(leases)
        return len(claims)

    def run_until_idle(self, max_events: int = 10_000) -> int:
        """Deliver in the calling thread until nothing is due (tests, one-shot runs)."""
        handled = 0
        while handled < max_events:
            done = self.run_once()
            if done == 0:
                break
            handled += done
        return handled

    def end_unrouted(self) -> int:
        """End the pending events of pairs no handler serves (`UnroutedSweep`)."""
        return self._sweep.run()

    def _lease(self, claim: Claim, worker_id: str) -> Lease:
        lease_seconds, margin = self.config.lease_seconds, CLIENT_TIMEOUT_SECONDS
        return Lease(self.repos.queue, claim, worker_id, lease_seconds, margin=margin).start()

    def deliver(self, claim: Claim, worker_id: str, lease: Lease | None = None) -> None:
        """Run the handler of `claim` under its lease (renewed meanwhile), then end the attempt
        as the handler says, unless the lease was lost (the new owner ends it then)."""
        own_lease = lease is None
        lease = lease or self._lease(claim, worker_id)
        try:
            self._deliver(claim, worker_id, lease)
        finally:
            if own_lease:
                lease.stop()

    def _deliver(self, claim: Claim, worker_id: str, lease: Lease) -> None:
        event = claim.integration
        handler = handler_for(event.source_service, event.target_service)
        if handler is None or not self.container.slack_configured:  # claim() excludes this
            return
        try:
            done = handler(event, self.context(claim, still_ours=lease.held))
        except Retry as exc:
            if self._still_owned(claim, worker_id, lease):
                self._retry(claim, worker_id, str(exc), exc.retry_after, jitter=exc.jitter)
            return
        except Fail as exc:
            if self._still_owned(claim, worker_id, lease):
                self._fail(claim, worker_id, str(exc))
            return
        except Exception as exc:  # a handler bug must cost one event a retry, not the thread
            log.exception(
                "delivery.handler_error integration=%s type=%s", event.id, type(exc).__name__
            )
            if self._still_owned(claim, worker_id, lease):
                self._retry(claim, worker_id, f"{type(exc).__name__}: {exc}", None)
            return
        if self._still_owned(claim, worker_id, lease):
            self._complete(claim, worker_id, done)

    @staticmethod
    def _still_owned(claim: Claim, worker_id: str, lease: Lease) -> bool:
        """Stop renewing, and say whether the attempt is still ours to end."""
        lease.stop()
        if lease.held():
            return True
        log.warning(
            "delivery.attempt_dropped integration=%s attempt=%s worker=%s: the lease was lost, "
            "its new owner ends the event",
            claim.id,
            claim.attempt,
            worker_id,
        )
        return False

    def context(
        self, claim: Claim, *, still_ours: Callable[[], bool] | None = None
    ) -> DeliveryContext:
        """What the handler of `claim` gets; its poster is bound to the event (and, given
        `still_ours`, makes no Slack call once that turns False)."""
        poster = SlackPoster(
            self.container.slack_delivery,
            self.repos.mappings,
            event_id=claim.id,
            check_previous=claim.is_retry,
            still_ours=still_ours,
            attempt=claim.attempt,
        )
        return DeliveryContext(
            container=self.container, poster=poster, attempt=claim.attempt, is_retry=claim.is_retry
        )

    def _complete(self, claim: Claim, worker_id: str, done: Done) -> None:
        status = Status(done.status)
        owned = self.repos.queue.complete(
            claim, worker_id, status=status, detail=done.detail, target_id=done.target_id
        )
        if not owned:
            log.warning("delivery.lease_lost integration=%s worker=%s", claim.id, worker_id)
            return
        log.info(
            "delivery.%s integration=%s attempt=%s detail=%s",
            status.value,
            claim.id,
            claim.attempt,
            done.detail,
        )
        self._count(claim.integration.target_service, status.value)

    def _retry(
        self,
        claim: Claim,
        worker_id: str,
        error: str,
        retry_after: float | None,
        *,
        jitter: bool = True,
    ) -> None:
        if retry_after is not None:  # rate limited: not the event's fault, a budget of its own
            rate_limited = claim.rate_limited + 1
            if rate_limited >= self.config.max_rate_limited:
                self._fail(
                    claim,
                    worker_id,
                    f"gave up after {rate_limited} rate-limited attempts; last error: {error}",
                )
                return
            delay = retry_after * (random.uniform(1.0, 1.1) if jitter else 1.0)  # noqa: S311
            outcome = RATE_LIMITED
        elif claim.budget_used >= self.config.max_attempts:
            self._fail(
                claim, worker_id, f"gave up after {claim.budget_used} attempts; last error: {error}"
            )
            return
        else:
            delay = backoff(claim.budget_used, self.config.backoff_seconds)
            outcome = "retry"
        self.repos.queue.retry_later(
            claim, worker_id, error=error, delay_seconds=delay, outcome=outcome
        )
        log.warning(
            "delivery.retry integration=%s attempt=%s in=%.2fs error=%s",
            claim.id,
            claim.attempt,
            delay,
            error,
        )
        self._count(claim.integration.target_service, outcome)

    def _fail(self, claim: Claim, worker_id: str, error: str) -> None:
        self.repos.queue.fail(claim, worker_id, error=error)
        log.error(
            "delivery.failed integration=%s attempt=%s error=%s", claim.id, claim.attempt, error
        )
        self._count(claim.integration.target_service, "failed")

    def _count(self, target: str, outcome: str) -> None:
        if self._on_outcome is not None:
            self._on_outcome(target, outcome)
