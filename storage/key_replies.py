"""Bare Jira keys in channels: which channels want the issue's card for them, and when a
key last got it in each channel (one reply per key and channel per cooldown)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from storage import models
from storage.db import Database
from storage.types import utcnow


class KeyReplyRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    def enabled(self, channel_id: str) -> bool:
        table = models.ChannelKeySetting
        with self._db.read() as session:
            found = session.scalar(select(table.enabled).where(table.channel_id == channel_id))
            return bool(found)

    def set_enabled(self, channel_id: str, enabled: bool) -> None:
        table = models.ChannelKeySetting
        for _ in range(2):  # a concurrent first setting of the channel: then update it
            try:
                with self._db.write() as session:
                    row = session.scalar(select(table).where(table.channel_id == channel_id))
                    if row is None:
                        session.add(table(channel_id=channel_id, enabled=enabled))
                    else:
                        row.enabled = enabled
                return
            except IntegrityError:
                continue

    def claim(
        self, channel_id: str, issue_key: str, cooldown: timedelta, *, now: datetime | None = None
    ) -> bool:
        """True when `issue_key` may be shown in `channel_id` now (and records that it is);
        False within `cooldown` of the last time. Safe across processes: one claim wins."""
        moment = now or utcnow()
        table = models.KeyReply
        with self._db.write() as session:
            moved = session.execute(
                update(table)
                .where(
                    table.channel_id == channel_id,
                    table.issue_key == issue_key,
                    table.replied_at <= moment - cooldown,
                )
                .values(replied_at=moment)
            )
            if getattr(moved, "rowcount", 0):
                return True
        try:
            with self._db.write() as session:
                session.add(table(channel_id=channel_id, issue_key=issue_key, replied_at=moment))
        except IntegrityError:
            return False  # shown within the cooldown (or by a concurrent claim just now)
        return True
