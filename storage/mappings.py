"""Service mappings: links between an object of one service and one of another."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from storage import domain, models
from storage.db import Database
from storage.domain import Conflict, NotFound, Page
from storage.pagination import filtered, paginate, vars_of
from storage.types import utcnow


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
            query = filtered(select(models.ServiceMapping), models.ServiceMapping, vars_of(filters))
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
            query = filtered(select(models.ServiceMapping), models.ServiceMapping, vars_of(filters))
            rows, total, next_cursor = paginate(
                session, query, models.ServiceMapping.id, limit, cursor
            )
            return Page(tuple(_mapping(r) for r in rows), total, next_cursor)
