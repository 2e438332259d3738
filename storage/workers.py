"""The registry of running delivery worker processes (`delivery_workers`).

Each worker process keeps one entry, renewed by its heartbeat; `integrations.delivery.registry`
decides from the entries of its own host which processes are gone, and releases their leases
through `QueueRepository.release_holder`.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select, update

from storage import domain, models
from storage.db import Database
from storage.types import utcnow

Row = models.DeliveryWorker


def _to_domain(row: models.DeliveryWorker) -> domain.RegisteredWorker:
    return domain.RegisteredWorker(
        id=row.id,
        role=row.role,
        host=row.host,
        pid=row.pid,
        boot_id=row.boot_id,
        pid_namespace=row.pid_namespace,
        process_start=row.process_start,
        started_at=row.started_at,
        heartbeat_at=row.heartbeat_at,
    )


class WorkerRegistry:
    def __init__(self, db: Database) -> None:
        self._db = db

    def join(self, worker: domain.RegisteredWorker) -> None:
        """Add (or replace) the entry of `worker.id`."""
        with self._db.write() as session:
            session.merge(
                Row(
                    id=worker.id,
                    role=worker.role,
                    host=worker.host,
                    pid=worker.pid,
                    boot_id=worker.boot_id,
                    pid_namespace=worker.pid_namespace,
                    process_start=worker.process_start,
                    started_at=worker.started_at,
                    heartbeat_at=worker.heartbeat_at,
                )
            )

    def beat(self, worker_id: str, *, now: datetime | None = None) -> bool:
        """Renew the heartbeat; False when the entry is gone (pruned while the process was
        cut off from the database): the caller joins again."""
        with self._db.write() as session:
            result = session.execute(
                update(Row)
                .where(Row.id == worker_id)
                .values(heartbeat_at=now or utcnow())
                .execution_options(synchronize_session=False)
            )
            return result.rowcount == 1  # type: ignore[attr-defined]

    def get(self, worker_id: str) -> domain.RegisteredWorker | None:
        with self._db.read() as session:
            row = session.get(Row, worker_id)
            return _to_domain(row) if row is not None else None

    def on_host(self, host: str) -> list[domain.RegisteredWorker]:
        with self._db.read() as session:
            rows = session.scalars(select(Row).where(Row.host == host).order_by(Row.started_at))
            return [_to_domain(row) for row in rows]

    def leave(self, worker_id: str) -> None:
        with self._db.write() as session:
            session.execute(delete(Row).where(Row.id == worker_id))

    def prune(self, *, older_than: datetime) -> int:
        """Delete the entries whose last heartbeat is before `older_than`; their leases ran out
        long ago (a lease lasts as long as its holder renews it)."""
        with self._db.write() as session:
            result = session.execute(
                delete(Row)
                .where(Row.heartbeat_at < older_than)
                .execution_options(synchronize_session=False)
            )
            return result.rowcount or 0  # type: ignore[attr-defined]
