"""Group commit at intake (`storage.intake_writer`): concurrent webhooks share a transaction,
each is answered only once its own row is stored, a redelivery is still answered with the
first event's id, and a database that cannot be reached is a 503 that loses nothing."""

from __future__ import annotations

import dataclasses
import json
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest

from storage import Database, Repositories
from storage.domain import NewIntegration, Status, StorageUnavailable
from storage.intake_writer import IntakeWriter
from tests.support.live import LiveApp
from tests.support.webhooks import GITHUB_SECRET, JIRA_SECRET, jira_payload, post_jira
from web.errors import ApiError
from web.requests import parse_json_document

SECRETS = {"jira_webhook_secret": JIRA_SECRET, "github_webhook_secret": GITHUB_SECRET}


def _event(key: str | None, status: Status = Status.PENDING) -> NewIntegration:
    return NewIntegration(
        source_service="jira",
        target_service="slack",
        event_type="comment_created",
        payload={"issue": {"key": "PROJ-1"}, "n": key},
        delivery_key=key,
        ordering_key="jira:PROJ-1",
        status=status,
    )


def test_concurrent_webhooks_are_committed_together_and_each_answered_with_its_row(
    make_live_app: Callable[..., LiveApp], database_url: str
) -> None:
    live = make_live_app(database_url, **SECRETS)
    payload = jira_payload("issue-updated-renamed")

    def send(n: int) -> tuple[int, int]:
        response = post_jira(live, payload, delivery_id=f"burst-{n % 40}")
        return response.status_code, response.json()["integration_id"]

    with ThreadPoolExecutor(16) as pool:
        answers = list(pool.map(send, range(80)))  # each delivery id sent twice

    accepted = {n: i for n, (status, i) in enumerate(answers) if status == 202}
    assert len(accepted) == 40
    assert sorted(status for status, _ in answers) == [200] * 40 + [202] * 40
    for n, (_, integration_id) in enumerate(answers):
        twin = n + 40 if n < 40 else n - 40
        assert integration_id == answers[twin][1], "a redelivery names the first event"
        stored = live.get(f"/api/v1/integrations/{integration_id}").json()
        assert stored["status"] == "pending"
        assert stored["payload"] == payload
    assert live.get("/api/v1/integrations").json()["total"] == 40
    writer = live.runtime.repos.intake
    assert writer.rows == 80


def test_a_batch_with_a_key_twice_stores_it_once_and_answers_both(database_url: str) -> None:
    db = Database(database_url)
    writer = IntakeWriter(db)
    go = threading.Barrier(6)

    def record(key: str | None) -> tuple[int, bool]:
        go.wait()
        recorded = writer.record(_event(key))
        return recorded.id, recorded.created

    try:
        with ThreadPoolExecutor(6) as pool:
            results = list(pool.map(record, ["a", "b", "a", None, None, "b"]))
        assert results[0][0] == results[2][0]
        assert results[1][0] == results[5][0]
        assert sorted(created for _, created in results) == [False, False, True, True, True, True]
        assert results[3][0] != results[4][0], "events without a delivery key never collide"
        assert Repositories.on(db).integrations.count_by_status() == {"pending": 4}
    finally:
        writer.close()
        db.dispose()


def test_events_without_a_key_in_one_batch_are_each_answered_with_their_own_row(
    database_url: str,
) -> None:
    db = Database(database_url)
    writer = IntakeWriter(db, linger_seconds=0.05)  # all twelve in one batch
    go = threading.Barrier(12)

    def record(n: int) -> int:
        go.wait()
        return writer.record(dataclasses.replace(_event(None), payload={"n": n})).id

    try:
        with ThreadPoolExecutor(12) as pool:
            ids = list(pool.map(record, range(12)))
        assert writer.batches == 1
        stored = Repositories.on(db).integrations
        for n, integration_id in enumerate(ids):
            found = stored.get(integration_id)
            assert found is not None
            assert found.payload == {"n": n}
    finally:
        writer.close()
        db.dispose()


def test_a_duplicate_of_an_ignored_event_answers_with_its_status(database_url: str) -> None:
    db = Database(database_url)
    writer = IntakeWriter(db)
    try:
        first = writer.record(_event("ignored-1", Status.IGNORED))
        again = writer.record(_event("ignored-1"))
        assert (again.id, again.status, again.created) == (first.id, Status.IGNORED, False)
    finally:
        writer.close()
        db.dispose()


def test_closing_commits_what_is_queued_and_later_events_are_written_inline(
    sqlite_url: str,
) -> None:
    db = Database(sqlite_url)
    writer = IntakeWriter(db)
    with ThreadPoolExecutor(8) as pool:
        ids = list(pool.map(lambda n: writer.record(_event(f"k{n}")).id, range(32)))
    writer.close()
    late = writer.record(_event("after-close"))
    assert late.created
    assert len(set(ids)) == 32
    assert Repositories.on(db).integrations.count_by_status() == {"pending": 33}
    db.dispose()


def test_the_writer_thread_stops_when_idle_and_starts_again(sqlite_url: str) -> None:
    db = Database(sqlite_url)
    writer = IntakeWriter(db, idle_seconds=0.3)
    writer.record(_event("one"))
    assert writer.running
    for _ in range(200):
        if not writer.running:
            break
        threading.Event().wait(0.02)
    assert not writer.running
    assert writer.record(_event("two")).created
    writer.close()
    assert not writer.running
    db.dispose()


def test_an_unreachable_database_is_a_503_and_says_so(
    make_live_app: Callable[..., LiveApp],
) -> None:
    live = make_live_app(
        "postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=1", **SECRETS
    )
    response = post_jira(live, jira_payload("issue-updated-renamed"), delivery_id="down-1")
    assert response.status_code == 503
    assert response.json() == {
        "error": "the database is unavailable; try again later",
        "code": "database_unavailable",
    }
    assert response.headers["Retry-After"] == "5"

    api = live.post(
        "/api/v1/integrations",
        json={"source_service": "jira", "target_service": "slack", "event_type": "e"},
    )
    assert api.status_code == 503


def test_the_writer_raises_storage_unavailable_for_each_waiting_request() -> None:
    db = Database("postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=1")
    writer = IntakeWriter(db)
    errors: list[BaseException] = []

    def record(n: int) -> None:
        try:
            writer.record(_event(f"x{n}"))
        except StorageUnavailable as exc:
            errors.append(exc)

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(record, range(4)))
    writer.close()
    assert len(errors) == 4


def test_a_plain_utf8_body_is_stored_as_it_came_and_any_other_is_checked_and_rewritten() -> None:
    plain = '{"issue": {"key": "PROJ-1"}, "summary": "Caf\u00e9 \u2603"}'.encode()
    data, text = parse_json_document(plain)
    assert text == plain.decode()
    assert data["summary"] == "Caf\u00e9 \u2603"

    escaped = b'{"emoji": "\\ud83d\\ude00"}'  # a surrogate pair, written as escapes
    data, text = parse_json_document(escaped)
    assert json.loads(text) == data == {"emoji": "\U0001f600"}

    utf16 = '{"a": "b"}'.encode("utf-16")
    assert parse_json_document(utf16) == ({"a": "b"}, '{"a": "b"}')

    for refused in (b'{"a": "\\u0000"}', b'{"a": "\\udfff"}', b"[" * 40 + b"]" * 40):
        with pytest.raises(ApiError) as error:
            parse_json_document(refused)
        assert error.value.status == 400
    deep = b'{"a": ' + b"[" * 31 + b"]" * 31 + b"}"
    with pytest.raises(ApiError, match="nested deeper"):
        parse_json_document(deep)
