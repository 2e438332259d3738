"""Repositories: intent-named reads and writes that return immutable domain objects."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage import domain, models
from storage.db import Database
from storage.domain import Conflict, InvalidCursor, NotFound, Page, Status
from storage.types import utcnow

if TYPE_CHECKING:
    from storage.queue import QueueRepository

MAX_PAGE = 200
MAX_ID = 2**63 - 1  # BIGINT


def encode_cursor(last_id: int) -> str:
    return base64.urlsafe_b64encode(f"id:{last_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        prefix, _, value = raw.partition(":")
        if prefix != "id":
            raise ValueError(cursor)
        last_id = int(value)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        last_id = 0
    if not 0 < last_id < MAX_ID:
        raise InvalidCursor("cursor is not one this API returned")
    return last_id


def _paginate(
    session: Session,
    query: Select[Any],
    id_column: Any,
    limit: int,
    cursor: str | None,
) -> tuple[list[Any], int, str | None]:
    """Newest first; the cursor is the last id of the previous page."""
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    if cursor is not None:
        query = query.where(id_column < decode_cursor(cursor))
    limit = max(1, min(limit, MAX_PAGE))
    rows = list(session.scalars(query.order_by(id_column.desc()).limit(limit + 1)))
    next_cursor = encode_cursor(rows[limit - 1].id) if len(rows) > limit else None
    return rows[:limit], total, next_cursor


def _filtered(query: Select[Any], model: Any, filters: Mapping[str, Any]) -> Select[Any]:
    for name, value in filters.items():
        if value is not None:
            query = query.where(getattr(model, name) == value)
    return query


# Integrations ---------------------------------------------------------------------------


def new_log_row(new: domain.NewIntegration, now: datetime) -> models.IntegrationLog:
    """The row of a new event; a pending one is due at once."""
    return models.IntegrationLog(
        source_service=new.source_service,
        target_service=new.target_service,
        event_type=new.event_type,
        source_id=new.source_id,
        target_id=new.target_id,
        payload=new.payload,
        status=new.status.value,
        error_message=new.error_message,
        delivery_key=new.delivery_key,
        ordering_key=new.ordering_key,
        attempts=0,
        next_attempt_at=now if new.status is Status.PENDING else None,
        created_at=now,
        updated_at=now,
    )


def _integration(row: models.IntegrationLog) -> domain.Integration:
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
                return _integration(row), True
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
            return _integration(row) if row else None

    def get_by_delivery_key(self, source_service: str, key: str) -> domain.Integration | None:
        with self._db.read() as session:
            row = session.scalar(
                select(models.IntegrationLog).where(
                    models.IntegrationLog.source_service == source_service,
                    models.IntegrationLog.delivery_key == key,
                )
            )
            return _integration(row) if row else None

    def list(
        self, filters: IntegrationFilter, *, limit: int = 50, cursor: str | None = None
    ) -> Page[domain.Integration]:
        with self._db.read() as session:
            query = _filtered(
                select(models.IntegrationLog),
                models.IntegrationLog,
                {
                    "source_service": filters.source_service,
                    "target_service": filters.target_service,
                    "status": filters.status,
                    "event_type": filters.event_type,
                },
            )
            rows, total, next_cursor = _paginate(
                session, query, models.IntegrationLog.id, limit, cursor
            )
            return Page(tuple(_integration(r) for r in rows), total, next_cursor)

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
            return _integration(row)


# Mappings -------------------------------------------------------------------------------


def _mapping(row: models.ServiceMapping) -> domain.ServiceMapping:
    return domain.ServiceMapping(
        id=row.id,
        source_service=row.source_service,
        source_id=row.source_id,
        target_service=row.target_service,
        target_id=row.target_id,
        mapping_type=row.mapping_type,
        extra_data=dict(row.extra_data or {}),
        created_at=row.created_at,
    )


@dataclass(frozen=True, slots=True)
class MappingFilter:
    source_service: str | None = None
    source_id: str | None = None
    target_service: str | None = None
    target_id: str | None = None
    mapping_type: str | None = None


class MappingRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    def link(
        self,
        mapping_type: domain.MappingType,
        source_service: str,
        source_id: str,
        target_service: str,
        target_id: str,
        extra_data: Mapping[str, Any] | None = None,
    ) -> domain.ServiceMapping:
        """Link two objects; linking the same pair again returns the stored link.

        Raises `Conflict` when the target may be linked only once and already is, to
        something else (a Slack thread already linked to another issue).
        """
        row = models.ServiceMapping(
            mapping_type=mapping_type.value,
            source_service=source_service,
            source_id=source_id,
            target_service=target_service,
            target_id=target_id,
            exclusive_target_id=target_id if mapping_type.exclusive_target else None,
            extra_data=dict(extra_data or {}),
            created_at=utcnow(),
        )
        try:
            with self._db.write() as session:
                session.add(row)
                session.flush()
                return _mapping(row)
        except IntegrityError:
            pass
        existing = self.find(
            MappingFilter(
                target_service=target_service, target_id=target_id, mapping_type=mapping_type.value
            )
        )
        for mapping in existing:
            if (mapping.source_service, mapping.source_id) == (source_service, source_id):
                return mapping
        owner = existing[0] if existing else None
        raise Conflict(
            f"{target_service} {target_id} is already linked"
            + (f" to {owner.source_service} {owner.source_id}" if owner else "")
        )

    def find(self, filters: MappingFilter) -> list[domain.ServiceMapping]:
        with self._db.read() as session:
            query = _filtered(
                select(models.ServiceMapping), models.ServiceMapping, vars_of(filters)
            )
            return [_mapping(r) for r in session.scalars(query.order_by(models.ServiceMapping.id))]

    def targets_of(
        self, mapping_type: domain.MappingType, source_service: str, source_id: str
    ) -> list[domain.ServiceMapping]:
        """What `source_id` is linked to (e.g. the Slack threads of a Jira issue), oldest first."""
        return self.find(
            MappingFilter(
                source_service=source_service, source_id=source_id, mapping_type=mapping_type.value
            )
        )

    def source_of(
        self, mapping_type: domain.MappingType, target_service: str, target_id: str
    ) -> domain.ServiceMapping | None:
        """The one object an exclusive target is linked to (e.g. the issue of a thread)."""
        found = self.find(
            MappingFilter(
                target_service=target_service, target_id=target_id, mapping_type=mapping_type.value
            )
        )
        return found[0] if found else None

    def update_extra(self, mapping_id: int, extra_data: Mapping[str, Any]) -> domain.ServiceMapping:
        """Merge `extra_data` into the stored extra data."""
        with self._db.write() as session:
            row = session.get(models.ServiceMapping, mapping_id)
            if row is None:
                raise NotFound(f"mapping {mapping_id} not found")
            row.extra_data = {**(row.extra_data or {}), **extra_data}
            session.flush()
            return _mapping(row)

    def delete(self, mapping_id: int) -> bool:
        with self._db.write() as session:
            row = session.get(models.ServiceMapping, mapping_id)
            if row is None:
                return False
            session.delete(row)
            return True

    def list(
        self, filters: MappingFilter, *, limit: int = 50, cursor: str | None = None
    ) -> Page[domain.ServiceMapping]:
        with self._db.read() as session:
            query = _filtered(
                select(models.ServiceMapping), models.ServiceMapping, vars_of(filters)
            )
            rows, total, next_cursor = _paginate(
                session, query, models.ServiceMapping.id, limit, cursor
            )
            return Page(tuple(_mapping(r) for r in rows), total, next_cursor)


# Subscriptions --------------------------------------------------------------------------


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
            query = _filtered(select(models.Subscription), models.Subscription, vars_of(filters))
            rows, total, next_cursor = _paginate(
                session, query, models.Subscription.id, limit, cursor
            )
            return Page(tuple(_subscription(r) for r in rows), total, next_cursor)


def vars_of(filters: Any) -> dict[str, Any]:
    return {name: getattr(filters, name) for name in filters.__slots__}


@dataclass(frozen=True, slots=True)
class Repositories:
    """Everything storage offers the rest of the app, built on one `Database`."""

    db: Database
    integrations: IntegrationRepository
    mappings: MappingRepository
    subscriptions: SubscriptionRepository
    queue: QueueRepository

    @classmethod
    def on(cls, db: Database) -> Repositories:
        from storage.queue import QueueRepository  # it builds on this module

        return cls(
            db,
            IntegrationRepository(db),
            MappingRepository(db),
            SubscriptionRepository(db),
            QueueRepository(db),
        )
