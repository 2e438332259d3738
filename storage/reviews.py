"""Review requests: which pull requests await whose review, kept from GitHub's events.

Every `pull_request` and `pull_request_review` event carries the pull request's
`requested_reviewers` as they are now: `replace` stores that list for the pull request (none
once it is closed). An event older than what is stored (a late retry or a replay) changes
nothing: each row keeps the pull request's `updated_at` of the event that wrote it.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from storage import domain, models
from storage.db import Database

Row = models.ReviewRequest


def _pending(row: Row) -> domain.PendingReview:
    return domain.PendingReview(
        repository=row.repository,
        number=row.number,
        title=row.title,
        url=row.url,
        author=row.author,
        reviewer=row.reviewer,
        updated_at=row.pr_updated_at,
    )


class ReviewRequestRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    def replace(
        self,
        repository: str,
        number: int,
        reviewers: Iterable[str],
        *,
        title: str,
        url: str,
        author: str | None,
        updated_at: datetime,
    ) -> bool:
        """Store `reviewers` (GitHub logins) as the ones requested on the pull request now;
        False when what is stored is newer (nothing changed)."""
        repository = repository.lower()
        wanted = sorted({login.lower() for login in reviewers})
        try:
            return self._replace(repository, number, wanted, title, url, author, updated_at)
        except IntegrityError:  # another event of this pull request stored it at once: again
            return self._replace(repository, number, wanted, title, url, author, updated_at)

    def _replace(
        self,
        repository: str,
        number: int,
        wanted: list[str],
        title: str,
        url: str,
        author: str | None,
        updated_at: datetime,
    ) -> bool:
        where = (Row.repository == repository, Row.number == number)
        with self._db.write() as session:
            rows = {row.reviewer: row for row in session.scalars(select(Row).where(*where))}
            if any(row.pr_updated_at > updated_at for row in rows.values()):
                return False
            gone = [login for login in rows if login not in wanted]
            if gone:
                session.execute(delete(Row).where(*where, Row.reviewer.in_(gone)))
            for login in wanted:
                row = rows.get(login)
                if row is None:
                    row = Row(repository=repository, number=number, reviewer=login)
                    session.add(row)
                row.title = title[:255]
                row.url = url[:512]
                row.author = author[:100] if author else None
                row.pr_updated_at = updated_at
            return True

    def awaiting(
        self, login: str, repositories: Collection[str] | None = None, *, limit: int = 20
    ) -> tuple[domain.PendingReview, ...]:
        """The pull requests awaiting `login`'s review, most recently updated first (of
        `repositories` only, when given: lower-cased `owner/name`)."""
        query = select(Row).where(Row.reviewer == login.lower())
        if repositories is not None:
            if not repositories:
                return ()
            query = query.where(Row.repository.in_(sorted(r.lower() for r in repositories)))
        query = query.order_by(Row.pr_updated_at.desc(), Row.id.desc()).limit(limit)
        with self._db.read() as session:
            return tuple(_pending(row) for row in session.scalars(query))
