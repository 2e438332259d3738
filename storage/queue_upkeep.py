"""What the queue holds, seen whole: the backlog per target (for `/metrics` and `/health`),
and the sweep that ends events no handler serves (`integrations/delivery/sweep.py`)."""

from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import datetime

from sqlalchemy import and_, case, false, func, or_, select, update

from storage import domain, models
from storage.db import Database
from storage.domain import Status
from storage.queue_conditions import (
    ABANDONED,
    RUNNING,
    _claimable,
    _clip,
    _on_routes,
    _thread_head,
)
from storage.types import utcnow

Log = models.IntegrationLog
AttemptRow = models.IntegrationAttempt
SWEEP_BATCH = 500


class QueueUpkeep:
    _db: Database

    # What waits ---------------------------------------------------------------------------

    def backlog(
        self, routes: Collection[tuple[str, str]] | None = None, *, now: datetime | None = None
    ) -> dict[str, domain.Backlog]:
        """Pending events per target service (of `routes` only, when given): how many, the
        oldest one's arrival, and since when the longest-waiting deliverable one has waited.

        Two grouped reads on indexed columns, for `/metrics` and `/health` on each call.
        """
        if routes is not None and not routes:
            return {}
        now = now or utcnow()
        scope = [Log.status == Status.PENDING.value]
        if routes is not None:
            scope.append(_on_routes(routes))
        claimable_since = case(
            (Log.locked_until > Log.next_attempt_at, Log.locked_until), else_=Log.next_attempt_at
        )
        with self._db.read() as session:
            totals = session.execute(
                select(Log.target_service, func.count(), func.min(Log.created_at))
                .where(*scope)
                .group_by(Log.target_service)
            ).all()
            waiting = dict(
                session.execute(
                    select(Log.target_service, func.min(claimable_since))
                    .where(*scope, *_claimable(now), _thread_head())
                    .group_by(Log.target_service)
                ).all()
            )
        return {
            target: domain.Backlog(target, count, oldest, waiting.get(target))
            for target, count, oldest in totals
        }

    # Events no handler serves (issue 12) ---------------------------------------------------

    def end_unrouted(
        self,
        routes: Collection[tuple[str, str]],
        reason: Callable[[str, str], str],
        *,
        now: datetime | None = None,
    ) -> dict[tuple[str, str], int]:
        """End as `ignored`, with `reason(source, target)`, the pending events whose pair is
        not in `routes`: no worker would ever claim them (stored by an older version, or their
        route was removed). Leased rows are left to their holder. Returns the count per pair.

        The rows are found by a plain read and ended by id, in batches, so the write locks
        only them (a range scan would lock other pending rows on MariaDB).
        """
        now = now or utcnow()
        on_route = [and_(Log.source_service == s, Log.target_service == t) for s, t in routes]
        unrouted = (
            Log.status == Status.PENDING.value,
            or_(Log.locked_until.is_(None), Log.locked_until < now),
            ~or_(false(), *on_route),
        )
        ended: dict[tuple[str, str], int] = {}
        while True:
            with self._db.write() as session:
                rows = session.execute(
                    select(Log.id, Log.source_service, Log.target_service)
                    .where(*unrouted)
                    .limit(SWEEP_BATCH)
                ).all()
                pairs: dict[tuple[str, str], list[int]] = {}
                for row_id, source, target in rows:
                    pairs.setdefault((source, target), []).append(row_id)
                for (source, target), ids in pairs.items():
                    result = session.execute(
                        update(Log)
                        .where(Log.id.in_(ids), *unrouted)
                        .values(
                            status=Status.IGNORED.value,
                            error_message=_clip(reason(source, target)),
                            next_attempt_at=None,
                            locked_by=None,
                            locked_until=None,
                            updated_at=now,
                        )
                        .execution_options(synchronize_session=False)
                    )
                    count = result.rowcount  # type: ignore[attr-defined]
                    ended[(source, target)] = ended.get((source, target), 0) + count
                    session.execute(  # an older version's worker died mid-attempt
                        update(AttemptRow)
                        .where(AttemptRow.integration_id.in_(ids), AttemptRow.outcome == RUNNING)
                        .values(outcome=ABANDONED, finished_at=now, error="no handler serves it")
                        .execution_options(synchronize_session=False)
                    )
            if len(rows) < SWEEP_BATCH:
                return {pair: count for pair, count in ended.items() if count}
