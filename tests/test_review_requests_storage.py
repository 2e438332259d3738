"""The pull requests awaiting each person's review, as GitHub's events last said (SQLite,
PostgreSQL, MariaDB)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from storage import Repositories

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def replace(repos: Repositories, number: int, *reviewers: str, at: datetime = T0) -> bool:
    return repos.reviews.replace(
        "Octo/Hello",
        number,
        reviewers,
        title=f"Fix #{number}",
        url=f"https://github.com/Octo/Hello/pull/{number}",
        author="Ada",
        updated_at=at,
    )


def awaiting(repos: Repositories, login: str, *scope: str) -> list[int]:
    return [r.number for r in repos.reviews.awaiting(login, scope or None)]


def test_the_requested_reviewers_are_stored_per_pull_request(repos: Repositories) -> None:
    assert replace(repos, 1, "Grace", "linus")
    assert replace(repos, 2, "grace", at=T0 + timedelta(hours=1))
    assert awaiting(repos, "GRACE") == [2, 1]  # most recently updated first
    assert awaiting(repos, "linus") == [1]
    [pending] = repos.reviews.awaiting("linus")
    assert (pending.repository, pending.title, pending.author) == ("octo/hello", "Fix #1", "Ada")
    assert pending.url == "https://github.com/Octo/Hello/pull/1"


def test_a_removed_request_and_a_closed_pull_request_are_forgotten(repos: Repositories) -> None:
    replace(repos, 1, "grace", "linus")
    assert replace(repos, 1, "linus", at=T0 + timedelta(minutes=1))
    assert awaiting(repos, "grace") == []
    assert replace(repos, 1, at=T0 + timedelta(minutes=2))  # closed: nobody
    assert awaiting(repos, "linus") == []


def test_an_older_event_changes_nothing(repos: Repositories) -> None:
    replace(repos, 1, "grace", at=T0 + timedelta(minutes=5))
    assert not replace(repos, 1, "linus", at=T0)
    assert awaiting(repos, "grace") == [1]
    assert awaiting(repos, "linus") == []


def test_only_the_repositories_asked_for(repos: Repositories) -> None:
    replace(repos, 1, "grace")
    assert awaiting(repos, "grace", "octo/hello") == [1]
    assert awaiting(repos, "grace", "octo/other") == []
    assert repos.reviews.awaiting("grace", []) == ()
