"""The delivery queue: claiming due events under a lease, and recording how each attempt ended.

Pending `IntegrationLog` rows are the queue. A worker *claims* a row by writing its id and a
lease deadline into `locked_by` / `locked_until`; a worker that dies (SIGKILL, lost host)
simply stops renewing, and once the lease has expired any worker may claim the row again.
Every write that ends an attempt is fenced on `locked_by`, so a worker whose lease was taken
over cannot overwrite the new owner's outcome.

A lease can also end early: a stopping worker releases the events it will not finish
(`release`), and a worker process found dead has all of its leases released by the prefix of
its holder ids (`release_holder`, see `integrations.delivery.registry`). A released event
keeps `locked_by`, so the next claim marks the unfinished attempt `abandoned`.

Per-thread order: only the *head* of each `ordering_key` is claimable, i.e. a row with no
older pending row of the same key. An older row that waits for a retry therefore holds back
the newer ones of its thread (and only of its thread), so two events of one issue or pull
request reach Slack in the order they were received.

Concurrency. Claiming is two statements in one transaction:

1. a plain (non-locking) read of up to `max(32, 4 * limit)` claimable ids, oldest first
   (enough that concurrent claimers rarely all race for the same few rows);
2. `SELECT ... WHERE id IN (...) FOR UPDATE SKIP LOCKED LIMIT n` that locks the ones no
   other worker is claiming right now and re-checks the lease on the latest row version.

The ordering check lives in the non-locking read on purpose: in a locking read MariaDB would
apply SKIP LOCKED to the subquery too, so an older row locked by another worker's claim
would look absent and its successor claimable. Between the two statements a head can only
stop being pending (which never makes its successor claimable too early). SQLite has no row
locks; `Database.write()` begins with `BEGIN IMMEDIATE`, so claims are serialised there.
PostgreSQL and MariaDB >= 10.6 / MySQL >= 8 support `SKIP LOCKED`.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage import domain, models
from storage.db import Database
from storage.domain import Status
from storage.integrations import IntegrationRepository, new_log_row, to_integration
from storage.queue_conditions import (
    ABANDONED,
    RUNNING,
    _claimable,
    _clip,
    _on_routes,
    _thread_head,
)
from storage.queue_upkeep import QueueUpkeep
from storage.types import utcnow

Log = models.IntegrationLog
AttemptRow = models.IntegrationAttempt

RATE_LIMITED = "rate_limited"
"""The outcome of an attempt the target turned away with `Retry-After`: it does not count
against the attempt limit (`Claim.budget_used`), only against its own cap (`Claim.rate_limited`)."""
CANDIDATE_FACTOR = 4
MIN_CANDIDATES = 32


@dataclass(frozen=True, slots=True)
class Claim:
    """An event leased to one worker until `lease_until`.

    `attempt` numbers this attempt among all attempts of the event (it keeps counting across
    a manual retry); `budget_used` counts attempts since the event was (re)queued, this one
    included, except those that ended `rate_limited`: that is what the attempt limit is
    compared with, so a target that only asked us to slow down never fails an event.
    `rate_limited` counts those earlier rate-limited attempts (since the (re)queue), for
    their own, larger cap.
    """

    integration: domain.Integration
    attempt: int
    budget_used: int
    lease_until: datetime
    rate_limited: int = 0

    @property
    def id(self) -> int:
        return self.integration.id

    @property
    def is_retry(self) -> bool:
        """An earlier attempt may have reached the target: check before acting again."""
        return self.attempt > 1


def _held_by(claim: Claim, worker_id: str) -> tuple[Any, ...]:
    """The event of `claim`, still pending and still leased to `worker_id`: a write under
    these conditions that touches no row means the lease was taken over."""
    return (Log.id == claim.id, Log.locked_by == worker_id, Log.status == Status.PENDING.value)


class QueueRepository(QueueUpkeep):
    """Claims, leases and the ends of attempts; what waits, and the sweep of unrouted
    events, come from `QueueUpkeep` (`storage/queue_upkeep.py`)."""

    def __init__(self, db: Database) -> None:
        self._db = db

    # Claiming -----------------------------------------------------------------------------

    def has_undelivered(self, ordering_key: str) -> bool:
        """Whether an event of this thread is still pending: a new event of the thread must
        then wait behind it in the queue rather than be delivered at once."""
        with self._db.read() as session:
            found = session.scalar(
                select(Log.id)
                .where(Log.ordering_key == ordering_key, Log.status == Status.PENDING.value)
                .limit(1)
            )
            return found is not None

    def claim(
        self,
        worker_id: str,
        routes: Collection[tuple[str, str]],
        *,
        limit: int = 1,
        lease_seconds: float,
        now: datetime | None = None,
    ) -> list[Claim]:
        """Lease up to `limit` due events whose `(source, target)` is in `routes`."""
        if not routes or limit < 1:
            return []
        now = now or utcnow()
        lease_until = now + timedelta(seconds=lease_seconds)
        claimable = _claimable(now)
        on_route = _on_routes(routes)
        with self._db.write() as session:
            candidate_ids = list(
                session.scalars(
                    select(Log.id)
                    .where(*claimable, on_route, _thread_head())
                    .order_by(Log.id)
                    .limit(max(MIN_CANDIDATES, limit * CANDIDATE_FACTOR))
                )
            )
            if not candidate_ids:
                return []
            rows = list(
                session.scalars(
                    select(Log)
                    .where(Log.id.in_(candidate_ids), *claimable)
                    .order_by(Log.id)
                    .limit(limit)
                    .with_for_update(skip_locked=True)
                )
            )
            return [self._lease(session, row, worker_id, now, lease_until) for row in rows]

    def _lease(
        self,
        session: Session,
        row: models.IntegrationLog,
        worker_id: str,
        now: datetime,
        until: datetime,
    ) -> Claim:
        if row.locked_by is not None:  # an expired lease: its holder never finished
            self._abandon(session, row.id, now)
        last = session.scalar(
            select(func.max(AttemptRow.number)).where(AttemptRow.integration_id == row.id)
        )
        number = (last or 0) + 1
        since_requeue = row.attempts or 0  # the latest attempt rows, numbered up to `last`
        rate_limited = session.scalar(
            select(func.count())
            .select_from(AttemptRow)
            .where(
                AttemptRow.integration_id == row.id,
                AttemptRow.outcome == RATE_LIMITED,
                AttemptRow.number > number - 1 - since_requeue,
            )
        )
        row.attempts = since_requeue + 1
        row.locked_by = worker_id
        row.locked_until = until
        row.updated_at = now
        session.add(
            AttemptRow(integration_id=row.id, number=number, started_at=now, outcome=RUNNING)
        )
        session.flush()
        rate_limited = rate_limited or 0
        return Claim(to_integration(row), number, row.attempts - rate_limited, until, rate_limited)

    @staticmethod
    def _abandon(session: Session, integration_id: int, now: datetime) -> None:
        session.execute(
            update(AttemptRow)
            .where(AttemptRow.integration_id == integration_id, AttemptRow.outcome == RUNNING)
            .values(
                outcome=ABANDONED,
                finished_at=now,
                error=(
                    "the worker making this attempt stopped before it ended (its lease ran out, "
                    "or was released when it stopped or was found dead)"
                ),
            )
            .execution_options(synchronize_session=False)
        )

    # Ending an attempt --------------------------------------------------------------------

    def complete(
        self,
        claim: Claim,
        worker_id: str,
        *,
        status: Status = Status.COMPLETED,
        detail: str | None = None,
        target_id: str | None = None,
    ) -> bool:
        """The event is done (`completed`, or `ignored` with the reason in `detail`).

        False when the lease was lost meanwhile (another worker owns the event now).
        """
        values: dict[str, object] = {"status": status.value, "error_message": _clip(detail)}
        if target_id is not None:
            values["target_id"] = target_id[:255]
        return self._finish(claim, worker_id, values, outcome=status.value, error=None)

    def retry_later(
        self, claim: Claim, worker_id: str, *, error: str, delay_seconds: float, outcome: str
    ) -> bool:
        """Keep the event pending; it becomes due again after `delay_seconds`."""
        due = utcnow() + timedelta(seconds=max(0.0, delay_seconds))
        values: dict[str, object] = {"error_message": _clip(error), "next_attempt_at": due}
        return self._finish(claim, worker_id, values, outcome=outcome, error=error)

    def fail(self, claim: Claim, worker_id: str, *, error: str) -> bool:
        """Give up: `failed` with the error, until `POST /api/v1/integrations/<id>/retry`."""
        values: dict[str, object] = {
            "status": Status.FAILED.value,
            "error_message": _clip(error),
            "next_attempt_at": None,
        }
        return self._finish(claim, worker_id, values, outcome=Status.FAILED.value, error=error)

    def _finish(
        self,
        claim: Claim,
        worker_id: str,
        values: dict[str, object],
        *,
        outcome: str,
        error: str | None,
    ) -> bool:
        now = utcnow()
        with self._db.write() as session:
            result = session.execute(
                update(Log)
                .where(*_held_by(claim, worker_id))
                .values(**values, locked_by=None, locked_until=None, updated_at=now)
                .execution_options(synchronize_session=False)
            )
            owned = result.rowcount == 1  # type: ignore[attr-defined]
            session.execute(
                update(AttemptRow)
                .where(
                    AttemptRow.integration_id == claim.id,
                    AttemptRow.number == claim.attempt,
                    AttemptRow.outcome == RUNNING,
                )
                .values(outcome=outcome[:16], error=_clip(error), finished_at=now)
                .execution_options(synchronize_session=False)
            )
            return owned

    def renew(self, claim: Claim, worker_id: str, *, lease_seconds: float) -> bool:
        """Extend a lease during a long delivery; False when it was already taken over."""
        until = utcnow() + timedelta(seconds=lease_seconds)
        with self._db.write() as session:
            result = session.execute(
                update(Log)
                .where(*_held_by(claim, worker_id))
                .values(locked_until=until)
                .execution_options(synchronize_session=False)
            )
            return result.rowcount == 1  # type: ignore[attr-defined]

    # Giving leases up early ------------------------------------------------------------

    def release(self, claim: Claim, worker_id: str, *, until: datetime) -> bool:
        """Give up the lease of an attempt that will not be ended (the worker is stopping):
        the event becomes claimable at `until` instead of when the lease would have run out.

        The attempt stays `running` until the next claim marks it `abandoned`. False when the
        lease was no longer this worker's (or already ran out before `until`).
        """
        with self._db.write() as session:
            result = session.execute(
                update(Log)
                .where(*_held_by(claim, worker_id), Log.locked_until > until)
                .values(locked_until=until)
                .execution_options(synchronize_session=False)
            )
            return result.rowcount == 1  # type: ignore[attr-defined]

    def release_holder(self, prefix: str, *, until: datetime) -> list[int]:
        """Release every lease held under `prefix` (a worker process found dead: its thread ids
        all begin `<worker>:`): those events become claimable at `until`. Returns their ids."""
        with self._db.write() as session:
            held = (
                Log.status == Status.PENDING.value,
                Log.locked_by.startswith(prefix, autoescape=True),
                Log.locked_until > until,
            )
            ids = list(session.scalars(select(Log.id).where(*held).order_by(Log.id)))
            if ids:
                session.execute(
                    update(Log)
                    .where(Log.id.in_(ids), *held)
                    .values(locked_until=until)
                    .execution_options(synchronize_session=False)
                )
            return ids

    # A first attempt made by the receiver itself (added for the Slack listeners, issue 4) ---

    def record_claimed(
        self, new: domain.NewIntegration, worker_id: str, *, lease_seconds: float
    ) -> tuple[domain.Integration, Claim | None]:
        """Store a new pending event already leased to `worker_id`, its first attempt running.

        For a receiver that makes the first attempt at once, in-process (a Slack listener
        creating a Jira issue while the user waits): the row is durable before the attempt,
        no worker claims it while the lease holds, and if the receiver dies mid-attempt the
        lease expires and a worker takes over. End the attempt with `complete` / `fail` /
        `retry_later`, as a worker would. `(stored, None)` when `new.delivery_key` was
        already stored (a duplicate: nothing is leased).
        """
        now = utcnow()
        until = now + timedelta(seconds=lease_seconds)
        row = new_log_row(replace(new, status=Status.PENDING, error_message=None), now)
        row.attempts, row.locked_by, row.locked_until = 1, worker_id, until
        try:
            with self._db.write() as session:
                session.add(row)
                session.flush()
                session.add(
                    AttemptRow(integration_id=row.id, number=1, started_at=now, outcome=RUNNING)
                )
                session.flush()
                stored = to_integration(row)
                return stored, Claim(stored, 1, 1, until)
        except IntegrityError:
            return IntegrationRepository(self._db).duplicate_of(new), None
