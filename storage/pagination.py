"""Cursor pagination and equality filters shared by the repositories' `list` reads."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from storage.domain import InvalidCursor

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


def paginate(
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


def filtered(query: Select[Any], model: Any, filters: Mapping[str, Any]) -> Select[Any]:
    """`query` restricted to rows whose columns equal the filters that are not None."""
    for name, value in filters.items():
        if value is not None:
            query = query.where(getattr(model, name) == value)
    return query


def vars_of(filters: Any) -> dict[str, Any]:
    """The fields of a slotted filter dataclass, by name."""
    return {name: getattr(filters, name) for name in filters.__slots__}
