"""Card actions: what people changed on Jira issues from their Slack cards, until Jira's
webhook for the change has come back (and is recognised as that change, not news)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select

from storage import domain, models
from storage.db import Database
from storage.types import utcnow

ECHO_WINDOW = timedelta(minutes=15)
"""How long after an action a webhook repeating it counts as its echo."""


def _action(row: models.CardAction) -> domain.CardAction:
    return domain.CardAction(
        id=row.id,
        issue_key=row.issue_key,
        field=row.field,
        value=row.value,
        slack_user_id=row.slack_user_id,
        thread=row.thread,
        echo_integration_id=row.echo_integration_id,
        created_at=row.created_at,
    )


class CardActionRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    def record(
        self,
        issue_key: str,
        field: str,
        value: str,
        *,
        slack_user_id: str,
        thread: str,
    ) -> domain.CardAction:
        row = models.CardAction(
            issue_key=issue_key,
            field=field,
            value=value,
            slack_user_id=slack_user_id,
            thread=thread,
            created_at=utcnow(),
        )
        with self._db.write() as session:
            session.add(row)
            session.flush()
            return _action(row)

    def forget(self, action_id: int) -> None:
        """An action that did not happen after all (Jira refused it, or could not be reached)."""
        with self._db.write() as session:
            session.execute(delete(models.CardAction).where(models.CardAction.id == action_id))

    def awaiting_echo(
        self, issue_key: str, integration_id: int, *, now: datetime | None = None
    ) -> list[domain.CardAction]:
        """The recent actions on `issue_key` no other webhook has echoed (those this event
        matched on an earlier attempt included), oldest first."""
        since = (now or utcnow()) - ECHO_WINDOW
        table = models.CardAction
        query = (
            select(table)
            .where(table.issue_key == issue_key, table.created_at >= since)
            .where(
                or_(
                    table.echo_integration_id.is_(None), table.echo_integration_id == integration_id
                )
            )
            .order_by(table.id)
        )
        with self._db.read() as session:
            return [_action(row) for row in session.scalars(query)]

    def mark_echoed(self, action_ids: list[int], integration_id: int) -> None:
        with self._db.write() as session:
            for action_id in action_ids:
                row = session.get(models.CardAction, action_id)
                if row is not None:
                    row.echo_integration_id = integration_id
