"""Subscriptions: which GitHub repositories/organisations and Jira projects reach which channel."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError

from storage import domain, models
from storage.db import Database
from storage.domain import Conflict, Page
from storage.pagination import filtered, paginate, vars_of
from storage.types import utcnow


def _subscription(row: models.Subscription) -> domain.Subscription:
    return domain.Subscription(
        id=row.id,
        source_service=row.source_service,
        source_id=row.source_id,
        channel_id=row.channel_id,
        events=tuple(row.events or ()),
        filters=dict(row.filters or {}),
        created_by=row.created_by,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


@dataclass(frozen=True, slots=True)
class SubscriptionFilter:
    source_service: str | None = None
    source_id: str | None = None
    channel_id: str | None = None


class SubscriptionRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    def create(self, new: domain.NewSubscription) -> domain.Subscription:
        """Store a subscription; `Conflict` when the channel already has it.

        GitHub owner and repository names are case-insensitive, so they are stored
        lower-cased: `Octo/Hello` and `octo/hello` are one subscription.
        """
        now = utcnow()
        source_id = new.source_id.lower() if new.source_service == "github" else new.source_id
        row = models.Subscription(
            source_service=new.source_service,
            source_id=source_id,
            channel_id=new.channel_id,
            events=list(new.events),
            filters=dict(new.filters),
            created_by=new.created_by,
            created_at=now,
            updated_at=now,
        )
        try:
            with self._db.write() as session:
                session.add(row)
                session.flush()
                return _subscription(row)
        except IntegrityError:
            raise Conflict(
                f"{new.channel_id} is already subscribed to {new.source_service} {source_id}"
            ) from None

    def get(self, subscription_id: int) -> domain.Subscription | None:
        with self._db.read() as session:
            row = session.get(models.Subscription, subscription_id)
            return _subscription(row) if row else None

    def delete(self, subscription_id: int) -> bool:
        with self._db.write() as session:
            row = session.get(models.Subscription, subscription_id)
            if row is None:
                return False
            session.delete(row)
            return True

    def matching(self, source_service: str, source_id: str) -> list[domain.Subscription]:
        """Subscriptions that receive events of `source_id`.

        A GitHub repository `owner/repo` is also covered by a subscription to `owner`
        (the organisation). Names compare case-insensitively, as on GitHub and Jira.
        """
        candidates = {source_id.lower()}
        if source_service == domain.Service.GITHUB and "/" in source_id:
            candidates.add(source_id.split("/", 1)[0].lower())
        with self._db.read() as session:
            rows = session.scalars(
                select(models.Subscription)
                .where(
                    models.Subscription.source_service == source_service,
                    or_(*(func.lower(models.Subscription.source_id) == c for c in candidates)),
                )
                .order_by(models.Subscription.id)
            )
            return [_subscription(r) for r in rows]

    def list(
        self, filters: SubscriptionFilter, *, limit: int = 50, cursor: str | None = None
    ) -> Page[domain.Subscription]:
        with self._db.read() as session:
            query = filtered(select(models.Subscription), models.Subscription, vars_of(filters))
            rows, total, next_cursor = paginate(
                session, query, models.Subscription.id, limit, cursor
            )
            return Page(tuple(_subscription(r) for r in rows), total, next_cursor)
