"""The row conditions and limits the queue's reads and writes share (`storage/queue.py`,
`storage/queue_upkeep.py`)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import aliased

from storage import models
from storage.domain import Status

Log = models.IntegrationLog

RUNNING = "running"
ABANDONED = "abandoned"
MAX_ERROR = 2000


def _clip(error: str | None) -> str | None:
    if error is None:
        return None
    return error if len(error) <= MAX_ERROR else error[: MAX_ERROR - 1] + "…"


def _thread_head() -> Any:
    """No older event of the same thread (`ordering_key`) is still pending."""
    older = aliased(Log)
    has_older_pending = (
        select(older.id)
        .where(
            older.ordering_key == Log.ordering_key,
            older.status == Status.PENDING.value,
            older.id < Log.id,
        )
        .exists()
    )
    return or_(Log.ordering_key.is_(None), ~has_older_pending)


def _claimable(now: datetime) -> tuple[Any, ...]:
    """Pending, due, and not leased (or its lease expired)."""
    return (
        Log.status == Status.PENDING.value,
        Log.next_attempt_at <= now,
        or_(Log.locked_until.is_(None), Log.locked_until < now),
    )


def _on_routes(routes: Collection[tuple[str, str]]) -> Any:
    return or_(*(and_(Log.source_service == s, Log.target_service == t) for s, t in routes))
