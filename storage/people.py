"""People: each Slack user's Jira account and GitHub login, and how they were matched.

Automatic matches (`email`, `name`) never replace a `manual` one: an override set by the
person or an admin stays until they change it. An unlink is an override too (a manual match
with no account), so automatic matching does not bring the account back.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage import domain, models
from storage.db import Database
from storage.domain import Conflict, Match, Notifications, NotifyKind, Page
from storage.pagination import filtered, paginate, vars_of
from storage.types import utcnow


def _person(row: models.Person) -> domain.Person:
    return domain.Person(
        slack_user_id=row.slack_user_id,
        slack_name=row.slack_name,
        email=row.email,
        jira_account_id=row.jira_account_id,
        jira_key=row.jira_key,
        jira_display_name=row.jira_display_name,
        jira_match=Match(row.jira_match) if row.jira_match else None,
        github_login=row.github_login,
        github_match=Match(row.github_match) if row.github_match else None,
        created_at=row.created_at,
        updated_at=row.updated_at,
        notifications=_notifications(row),
    )


def _notifications(row: models.Person) -> Notifications:
    known = {kind.value for kind in NotifyKind}
    off = (NotifyKind(k) for k in (row.notify_off or "").split(",") if k in known)
    return Notifications(enabled=bool(row.notify), off=frozenset(off))


def normal_login(login: str) -> str:
    """GitHub logins are case-insensitive: stored and compared lower-cased, without `@`."""
    return login.strip().removeprefix("@").lower()


@dataclass(frozen=True, slots=True)
class PersonFilter:
    slack_user_id: str | None = None
    jira_account_id: str | None = None
    github_login: str | None = None


class PeopleRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    # --- reads ------------------------------------------------------------------------------

    def get(self, slack_user_id: str) -> domain.Person | None:
        with self._db.read() as session:
            row = self._row(session, slack_user_id)
            return _person(row) if row else None

    def by_jira_account(self, ref: str) -> domain.Person | None:
        """The person with this Jira account id (Cloud), user name or key (Server/DC);
        a manual link first, then the oldest."""
        return self._first(or_(models.Person.jira_account_id == ref, models.Person.jira_key == ref))

    def by_github_login(self, login: str) -> domain.Person | None:
        return self._first(models.Person.github_login == normal_login(login))

    def slack_ids_by_github(self, logins: Iterable[str]) -> dict[str, str]:
        """The Slack user of each of these GitHub logins that is linked (one query);
        keys are the normalised logins."""
        wanted = sorted({normal_login(login) for login in logins if login})
        if not wanted:
            return {}
        with self._db.read() as session:
            rows = session.execute(
                select(models.Person.github_login, models.Person.slack_user_id).where(
                    models.Person.github_login.in_(wanted)
                )
            )
            return {str(login): slack_id for login, slack_id in rows}

    def by_email(self, email: str) -> domain.Person | None:
        return self._first(models.Person.email == email.strip().lower())

    def _first(self, condition: ColumnElement[bool]) -> domain.Person | None:
        with self._db.read() as session:
            rows = list(
                session.scalars(
                    select(models.Person).where(condition).order_by(models.Person.id).limit(5)
                )
            )
        manual = [r for r in rows if Match.MANUAL.value in (r.jira_match, r.github_match)]
        row = (manual or rows or [None])[0]
        return _person(row) if row is not None else None

    def list(
        self, filters: PersonFilter, *, limit: int = 50, cursor: str | None = None
    ) -> Page[domain.Person]:
        values = vars_of(filters)
        if filters.github_login is not None:
            values["github_login"] = normal_login(filters.github_login)
        with self._db.read() as session:
            query = filtered(select(models.Person), models.Person, values)
            rows, total, next_cursor = paginate(session, query, models.Person.id, limit, cursor)
            return Page(tuple(_person(r) for r in rows), total, next_cursor)

    # --- writes -----------------------------------------------------------------------------

    def remember_slack(
        self, slack_user_id: str, name: str | None, email: str | None
    ) -> domain.Person:
        """Store (or refresh) what Slack says of a user: their name and email."""
        email = email.strip().lower() if email else None

        def update(row: models.Person) -> None:
            row.slack_name = name or row.slack_name
            row.email = email or row.email

        return self._upsert(slack_user_id, update)

    def match_jira(self, slack_user_id: str, link: domain.JiraLink | None) -> domain.Person:
        """Link a Jira account (None: unlink). An automatic match leaves a manual link be."""
        manual = link is None or link.match is Match.MANUAL

        def update(row: models.Person) -> None:
            if not manual and row.jira_match == Match.MANUAL.value:
                return
            row.jira_account_id = link.account_id if link else None
            row.jira_key = link.key if link else None
            row.jira_display_name = link.display_name if link else None
            row.jira_match = link.match.value if link else Match.MANUAL.value

        return self._upsert(slack_user_id, update)

    def link_github(self, slack_user_id: str, login: str | None) -> domain.Person:
        """Link a GitHub login (None: unlink), as an override.

        Raises `Conflict` when another Slack user holds the login."""
        normal = normal_login(login) if login else None
        holder = self.by_github_login(normal) if normal else None
        if holder is not None and holder.slack_user_id != slack_user_id:
            raise Conflict(f"GitHub login {normal} is linked to {holder.slack_user_id}")

        def update(row: models.Person) -> None:
            row.github_login = normal
            row.github_match = Match.MANUAL.value

        try:
            return self._upsert(slack_user_id, update)
        except IntegrityError:  # taken between the check and the write
            raise Conflict(f"GitHub login {normal} is linked to another person") from None

    def set_notifications(
        self,
        slack_user_id: str,
        *,
        enabled: bool | None = None,
        kind: NotifyKind | None = None,
        on: bool = True,
    ) -> domain.Person:
        """Switch direct messages on or off (`enabled`), or one `kind` of them (`on`)."""

        def update(row: models.Person) -> None:
            if enabled is not None:
                row.notify = enabled
            if kind is not None:
                off = {k for k in (row.notify_off or "").split(",") if k}
                off = off - {kind.value} if on else off | {kind.value}
                row.notify_off = ",".join(sorted(off))

        return self._upsert(slack_user_id, update)

    def delete(self, slack_user_id: str) -> bool:
        """Forget a person and their overrides (automatic matching starts again)."""
        with self._db.write() as session:
            row = self._row(session, slack_user_id)
            if row is None:
                return False
            session.delete(row)
            return True

    # --- helpers ----------------------------------------------------------------------------

    @staticmethod
    def _row(session: Session, slack_user_id: str) -> models.Person | None:
        return session.scalar(
            select(models.Person).where(models.Person.slack_user_id == slack_user_id)
        )

    def _upsert(self, slack_user_id: str, update: Callable[[models.Person], None]) -> domain.Person:
        """Apply `update` to the person's row, created first when there is none."""
        try:
            return self._write(slack_user_id, update)
        except IntegrityError:  # created concurrently (or a unique login): try once more
            return self._write(slack_user_id, update)

    def _write(self, slack_user_id: str, update: Callable[[models.Person], None]) -> domain.Person:
        with self._db.write() as session:
            row = self._row(session, slack_user_id)
            if row is None:
                now = utcnow()
                row = models.Person(slack_user_id=slack_user_id, created_at=now, updated_at=now)
                session.add(row)
            update(row)
            session.flush()
            return _person(row)
