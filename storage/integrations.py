"""Integration events: recording them, reading the audit log, and re-queueing failed ones."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from storage import domain, models
from storage.db import Database
from storage.domain import Conflict, NotFound, Page, Status
from storage.pagination import filtered, paginate
from storage.types import utcnow


def new_log_values(new: domain.NewIntegration, now: datetime) -> dict[str, Any]:
    """The column values of a new event's row; a pending one is due at once."""
    return {
        "source_service": new.source_service,
        "target_service": new.target_service,
        "event_type": new.event_type,
        "source_id": new.source_id,
        "target_id": new.target_id,
        "payload": new.payload,
        "status": new.status.value,
        "error_message": new.error_message,
        "delivery_key": new.delivery_key,
        "ordering_key": new.ordering_key,
        "event_key": new.event_key,
        "attempts": 0,
        "next_attempt_at": now if new.status is Status.PENDING else None,
        "created_at": now,
        "updated_at": now,
    }


def new_log_row(new: domain.NewIntegration, now: datetime) -> models.IntegrationLog:
    """The ORM row of a new event (`new_log_values`)."""
    return models.IntegrationLog(**new_log_values(new, now))


def to_integration(row: models.IntegrationLog) -> domain.Integration:
    """The immutable domain object of a stored event."""
    return domain.Integration(
        id=row.id,
        source_service=row.source_service,
        target_service=row.target_service,
        event_type=row.event_type,
        source_id=row.source_id,
        target_id=row.target_id,
        payload=dict(row.payload or {}),
        status=Status(row.status),
        error_message=row.error_message,
        delivery_key=row.delivery_key,
        ordering_key=row.ordering_key,
        attempts=row.attempts,
        next_attempt_at=row.next_attempt_at,
        created_at=row.created_at,
        updated_at=row.updated_at,
        event_key=row.event_key,
    )


@dataclass(frozen=True, slots=True)
class IntegrationFilter:
    source_service: str | None = None
    target_service: str | None = None
    status: str | None = None
    event_type: str | None = None


class IntegrationRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    def record(self, new: domain.NewIntegration) -> tuple[domain.Integration, bool]:
        """Store an event; `(event, False)` when its delivery key was already stored."""
        try:
            with self._db.write() as session:
                row = new_log_row(new, utcnow())
                session.add(row)
                session.flush()
                return to_integration(row), True
        except IntegrityError:
            return self.duplicate_of(new), False

    def duplicate_of(self, new: domain.NewIntegration) -> domain.Integration:
        """The stored event `new` collided with on its delivery key (after an IntegrityError).

        Re-raises the error being handled when there is no such event: the insert failed
        for another reason.
        """
        existing = (
            self.get_by_delivery_key(new.source_service, new.delivery_key)
            if new.delivery_key is not None
            else None
        )
        if existing is None:
            raise
        return existing

    def get(self, integration_id: int) -> domain.Integration | None:
        with self._db.read() as session:
            row = session.get(models.IntegrationLog, integration_id)
            return to_integration(row) if row else None

    def get_by_delivery_key(self, source_service: str, key: str) -> domain.Integration | None:
        with self._db.read() as session:
            row = session.scalar(
                select(models.IntegrationLog).where(
                    models.IntegrationLog.source_service == source_service,
                    models.IntegrationLog.delivery_key == key,
                )
            )
            return to_integration(row) if row else None

    def list(
        self, filters: IntegrationFilter, *, limit: int = 50, cursor: str | None = None
    ) -> Page[domain.Integration]:
        with self._db.read() as session:
            query = filtered(
                select(models.IntegrationLog),
                models.IntegrationLog,
                {
                    "source_service": filters.source_service,
                    "target_service": filters.target_service,
                    "status": filters.status,
                    "event_type": filters.event_type,
                },
            )
            rows, total, next_cursor = paginate(
                session, query, models.IntegrationLog.id, limit, cursor
            )
            return Page(tuple(to_integration(r) for r in rows), total, next_cursor)

    def attempts(self, integration_id: int) -> tuple[domain.Attempt, ...]:
        with self._db.read() as session:
            rows = session.scalars(
                select(models.IntegrationAttempt)
                .where(models.IntegrationAttempt.integration_id == integration_id)
                .order_by(models.IntegrationAttempt.number)
            )
            return tuple(
                domain.Attempt(r.number, r.started_at, r.finished_at, r.outcome, r.error)
                for r in rows
            )

    def count_by_status(self) -> dict[str, int]:
        with self._db.read() as session:
            rows = session.execute(
                select(models.IntegrationLog.status, func.count()).group_by(
                    models.IntegrationLog.status
                )
            )
            return {status: count for status, count in rows}

    def set_target(self, integration_id: int, target_id: str) -> None:
        """Record what an event produced (e.g. the Jira issue key) before it is finished, so
        that a replay after a later step failed does not produce it a second time."""
        with self._db.write() as session:
            row = session.get(models.IntegrationLog, integration_id)
            if row is None:
                raise NotFound(f"integration {integration_id} not found")
            row.target_id = target_id[:255]
            row.updated_at = utcnow()

    def retry(self, integration_id: int) -> domain.Integration:
        """Put a failed event back in the queue, due now, with a fresh attempt budget."""
        with self._db.write() as session:
            row = session.get(models.IntegrationLog, integration_id)
            if row is None:
                raise NotFound(f"integration {integration_id} not found")
            if row.status != Status.FAILED:
                raise Conflict(f"integration {integration_id} is {row.status}; only failed ones")
            row.status = Status.PENDING.value
            row.attempts = 0
            row.next_attempt_at = utcnow()
            row.locked_by = row.locked_until = None
            session.flush()
            return to_integration(row)
