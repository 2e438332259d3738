"""`storage.queue`: claims, leases, per-thread order and attempt records, on each database."""

from __future__ import annotations

from datetime import timedelta

from storage import Repositories
from storage.domain import NewIntegration, Status
from storage.queue import Claim
from storage.types import utcnow

ROUTES = [("jira", "slack")]


def _event(repos: Repositories, thread: str | None, n: int = 0, source: str = "jira") -> int:
    event, _ = repos.integrations.record(
        NewIntegration(
            source_service=source,
            target_service="slack",
            event_type="jira:issue_updated",
            payload={"n": n},
            ordering_key=thread,
        )
    )
    return event.id


def _claim(repos: Repositories, worker: str = "w1", limit: int = 10, **kw: object) -> list[Claim]:
    return repos.queue.claim(worker, ROUTES, limit=limit, lease_seconds=60, **kw)  # type: ignore[arg-type]


def test_only_the_oldest_pending_event_of_a_thread_is_claimable(repos: Repositories) -> None:
    a1, a2 = _event(repos, "jira:A-1"), _event(repos, "jira:A-1")
    b1 = _event(repos, "jira:B-1")
    free = _event(repos, None)
    first = _claim(repos)
    assert [c.id for c in first] == [a1, b1, free]
    assert _claim(repos, "w2") == []  # a2 waits for a1, which w1 holds
    assert repos.queue.complete(first[0], "w1")
    [second] = _claim(repos, "w2")
    assert second.id == a2


def test_an_event_waiting_for_a_retry_holds_back_its_thread(repos: Repositories) -> None:
    a1, _a2 = _event(repos, "jira:A-1"), _event(repos, "jira:A-1")
    [claim] = _claim(repos, limit=1)
    assert claim.id == a1
    assert repos.queue.retry_later(claim, "w1", error="HTTP 500", delay_seconds=60, outcome="retry")
    assert _claim(repos) == []
    later = _claim(repos, now=utcnow() + timedelta(seconds=61))
    assert [c.id for c in later] == [a1]
    assert later[0].attempt == 2
    assert later[0].is_retry


def test_only_routes_with_a_handler_are_claimed(repos: Repositories) -> None:
    _event(repos, None, source="github")
    assert _claim(repos) == []
    assert repos.queue.claim("w", [], lease_seconds=60) == []


def test_an_expired_lease_is_taken_over_and_the_old_attempt_marked(repos: Repositories) -> None:
    event_id = _event(repos, "jira:A-1")
    [claim] = _claim(repos, "dead-worker")
    assert _claim(repos, "w2") == []
    [taken] = _claim(repos, "w2", now=utcnow() + timedelta(seconds=61))
    assert taken.id == event_id
    assert taken.attempt == 2
    assert not repos.queue.complete(claim, "dead-worker")  # fenced: the lease moved on
    assert repos.queue.complete(taken, "w2")
    attempts = repos.integrations.attempts(event_id)
    assert [(a.number, a.outcome) for a in attempts] == [(1, "abandoned"), (2, "completed")]
    assert attempts[0].finished_at is not None
    assert repos.integrations.get(event_id).status is Status.COMPLETED  # type: ignore[union-attr]


def test_a_failed_event_can_be_retried_and_keeps_counting_attempts(repos: Repositories) -> None:
    event_id = _event(repos, "jira:A-1")
    [claim] = _claim(repos)
    assert repos.queue.fail(claim, "w1", error="Slack chat_postMessage: invalid_auth")
    stored = repos.integrations.get(event_id)
    assert stored is not None
    assert (stored.status, stored.error_message) == (
        Status.FAILED,
        "Slack chat_postMessage: invalid_auth",
    )
    assert _claim(repos) == []
    repos.integrations.retry(event_id)
    [again] = _claim(repos)
    assert (again.attempt, again.budget_used) == (2, 1)
    assert repos.queue.complete(again, "w1", status=Status.IGNORED, detail="nothing to post")
    attempts = repos.integrations.attempts(event_id)
    assert [(a.outcome, a.error) for a in attempts] == [
        ("failed", "Slack chat_postMessage: invalid_auth"),
        ("ignored", None),
    ]
