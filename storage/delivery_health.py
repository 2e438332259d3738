"""Delivery health for the App Home's admin section: events of the last day by status, the
latest failed ones, and the oldest pending event. Three small reads on indexed columns."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select

from storage import domain, models
from storage.db import Database
from storage.domain import Status
from storage.integrations import to_integration
from storage.types import utcnow

Log = models.IntegrationLog


class DeliveryHealthReader:
    def __init__(self, db: Database) -> None:
        self._db = db

    def read(
        self,
        *,
        window: timedelta = timedelta(hours=24),
        failed: int = 5,
        now: datetime | None = None,
    ) -> domain.DeliveryHealth:
        now = now or utcnow()
        with self._db.read() as session:
            counts = dict(
                session.execute(
                    select(Log.status, func.count())
                    .where(Log.created_at >= now - window)
                    .group_by(Log.status)
                ).all()
            )
            latest_failed = session.scalars(
                select(Log)
                .where(Log.status == Status.FAILED.value)
                .order_by(Log.updated_at.desc(), Log.id.desc())
                .limit(failed)
            ).all()
            oldest = session.scalar(
                select(func.min(Log.created_at)).where(Log.status == Status.PENDING.value)
            )
        return domain.DeliveryHealth(
            by_status={str(status): int(count) for status, count in counts.items()},
            failed=tuple(to_integration(row) for row in latest_failed),
            oldest_pending=oldest,
            now=now,
        )
