"""Repositories on SQLite, PostgreSQL and MariaDB: the same behaviour on all three."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa  # noqa: TID251 - checks the schema itself
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from storage import IntegrationFilter, MappingFilter, Repositories, SubscriptionFilter
from storage.domain import (
    Conflict,
    InvalidCursor,
    MappingType,
    NewIntegration,
    NewSubscription,
    NotFound,
    Status,
)
from storage.models import Base


def event(n: int = 0, **kw: object) -> NewIntegration:
    fields: dict = {
        "source_service": "github",
        "target_service": "slack",
        "event_type": "pull_request.opened",
        "payload": {"number": n, "title": "Fix ✓ unicode"},
    }
    fields.update(kw)
    return NewIntegration(**fields)


def test_migrations_match_the_models(repos: Repositories) -> None:
    with repos.db.engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert diff == []


def test_downgrade_and_upgrade_again(repos: Repositories) -> None:
    repos.db.downgrade("base")
    assert set(sa.inspect(repos.db.engine).get_table_names()) <= {"alembic_version"}
    repos.db.upgrade()
    assert {"integration_logs", "service_mappings", "subscriptions"} <= set(
        sa.inspect(repos.db.engine).get_table_names()
    )


def test_payloads_are_compressed_with_lz4_on_postgresql(repos: Repositories) -> None:
    if repos.db.dialect != "postgresql":
        pytest.skip("a PostgreSQL column setting")
    query = (
        "SELECT attcompression FROM pg_attribute "
        "WHERE attrelid = 'integration_logs'::regclass AND attname = 'payload'"
    )
    with repos.db.engine.connect() as connection:
        assert connection.exec_driver_sql(query).scalar() == "l"
    stored, _ = repos.integrations.record(event(1, payload={"text": "lorem ipsum " * 2000}))
    again = repos.integrations.get(stored.id)
    assert again is not None
    assert again.payload == {"text": "lorem ipsum " * 2000}


def test_downgrading_the_event_key_keeps_the_events(repos: Repositories) -> None:
    stored, _ = repos.integrations.record(event(1, event_key="pull_request.opened"))
    repos.queue.claim("w1", [("github", "slack")], lease_seconds=30)
    repos.db.downgrade("0001")
    columns = {c["name"] for c in sa.inspect(repos.db.engine).get_columns("integration_logs")}
    assert "event_key" not in columns
    repos.db.upgrade()
    again = repos.integrations.get(stored.id)
    assert again is not None
    assert again.event_key is None
    assert [a.number for a in repos.integrations.attempts(stored.id)] == [1]


def test_the_event_key_is_stored_and_read_back(repos: Repositories) -> None:
    keyed, _ = repos.integrations.record(event(1, event_key="pull_request.opened"))
    unkeyed, _ = repos.integrations.record(event(2))
    assert keyed.event_key == "pull_request.opened"
    assert unkeyed.event_key is None
    assert repos.integrations.get(keyed.id) == keyed
    leased, claim = repos.queue.record_claimed(
        event(3, event_key="pull_request.closed"), "w1", lease_seconds=30
    )
    assert claim is not None
    assert leased.event_key == claim.integration.event_key == "pull_request.closed"


def test_record_returns_an_immutable_event_with_utc_times(repos: Repositories) -> None:
    stored, created = repos.integrations.record(event(1, source_id="octo/repo#1"))
    assert created
    assert stored.status is Status.PENDING
    assert stored.payload == {"number": 1, "title": "Fix ✓ unicode"}
    assert stored.created_at.tzinfo is UTC
    assert stored.next_attempt_at is not None
    with pytest.raises(AttributeError):
        stored.status = Status.FAILED  # type: ignore[misc]
    again = repos.integrations.get(stored.id)
    assert again == stored  # microseconds survive the round trip on every database


def test_the_same_delivery_is_stored_once(repos: Repositories) -> None:
    first, created = repos.integrations.record(event(1, delivery_key="abc-123"))
    second, created_again = repos.integrations.record(event(2, delivery_key="abc-123"))
    assert created
    assert not created_again
    assert second.id == first.id
    assert second.payload["number"] == 1
    # the key is unique per source only
    _, other_source = repos.integrations.record(
        event(3, source_service="jira", delivery_key="abc-123")
    )
    assert other_source
    # events without a key are never deduplicated
    assert repos.integrations.record(event(4))[1]
    assert repos.integrations.record(event(4))[1]


def test_list_filters_and_paginates_newest_first(repos: Repositories) -> None:
    ids = [repos.integrations.record(event(n))[0].id for n in range(5)]
    repos.integrations.record(event(9, source_service="jira", event_type="jira:issue_updated"))
    page = repos.integrations.list(IntegrationFilter(source_service="github"), limit=2)
    assert page.total == 5
    assert [i.id for i in page.items] == [ids[4], ids[3]]
    assert page.next_cursor
    page2 = repos.integrations.list(
        IntegrationFilter(source_service="github"), limit=2, cursor=page.next_cursor
    )
    page3 = repos.integrations.list(
        IntegrationFilter(source_service="github"), limit=2, cursor=page2.next_cursor
    )
    assert [i.id for i in page2.items] == [ids[2], ids[1]]
    assert [i.id for i in page3.items] == [ids[0]]
    assert page3.next_cursor is None
    only_jira = repos.integrations.list(IntegrationFilter(event_type="jira:issue_updated"))
    assert [i.source_service for i in only_jira.items] == ["jira"]
    with pytest.raises(InvalidCursor):
        repos.integrations.list(IntegrationFilter(), cursor="not-a-cursor")


def test_only_failed_events_can_be_retried(repos: Repositories) -> None:
    failed, _ = repos.integrations.record(event(1, status=Status.FAILED, error_message="boom"))
    pending, _ = repos.integrations.record(event(2))
    retried = repos.integrations.retry(failed.id)
    assert retried.status is Status.PENDING
    assert retried.attempts == 0
    assert retried.next_attempt_at is not None
    with pytest.raises(Conflict, match="only failed"):
        repos.integrations.retry(pending.id)
    with pytest.raises(NotFound):
        repos.integrations.retry(10**9)
    assert repos.integrations.count_by_status() == {"pending": 2}


def test_a_thread_is_linked_to_one_issue(repos: Repositories) -> None:
    thread = "C0123ABCD:1700000000.000100"
    link = repos.mappings.link(MappingType.ISSUE_THREAD, "jira", "PROJ-1", "slack", thread)
    assert repos.mappings.link(MappingType.ISSUE_THREAD, "jira", "PROJ-1", "slack", thread) == link
    with pytest.raises(Conflict, match="already linked to jira PROJ-1"):
        repos.mappings.link(MappingType.ISSUE_THREAD, "jira", "PROJ-2", "slack", thread)
    # an issue may be followed in threads of several channels
    repos.mappings.link(MappingType.ISSUE_THREAD, "jira", "PROJ-1", "slack", "C0999:1.000200")
    threads = repos.mappings.targets_of(MappingType.ISSUE_THREAD, "jira", "PROJ-1")
    assert [m.target_id for m in threads] == [thread, "C0999:1.000200"]
    owner = repos.mappings.source_of(MappingType.ISSUE_THREAD, "slack", thread)
    assert owner is not None
    assert owner.source_id == "PROJ-1"


def test_a_jira_issue_may_have_many_pull_requests(repos: Repositories) -> None:
    repos.mappings.link(MappingType.PR_ISSUE, "github", "octo/a#1", "jira", "PROJ-1")
    repos.mappings.link(MappingType.PR_ISSUE, "github", "octo/a#2", "jira", "PROJ-1")
    repos.mappings.link(MappingType.PR_ISSUE, "github", "octo/a#2", "jira", "PROJ-2")
    page = repos.mappings.list(MappingFilter(target_id="PROJ-1", mapping_type="pr_issue"))
    assert page.total == 2


def test_mapping_extra_data_merges(repos: Repositories) -> None:
    link = repos.mappings.link(
        MappingType.GITHUB_THREAD, "github", "octo/a#7", "slack", "C1:2.3", {"state": "open"}
    )
    updated = repos.mappings.update_extra(link.id, {"state": "merged", "parent_ts": "2.3"})
    assert updated.extra_data == {"state": "merged", "parent_ts": "2.3"}
    assert repos.mappings.delete(link.id)
    assert not repos.mappings.delete(link.id)


def test_subscriptions(repos: Repositories) -> None:
    repo_sub = repos.subscriptions.create(
        NewSubscription("github", "Octo/Hello", "C0123ABCD", ("pulls",), {"labels": ["bug"]})
    )
    org_sub = repos.subscriptions.create(NewSubscription("github", "octo", "C0999"))
    repos.subscriptions.create(NewSubscription("jira", "PROJ", "C0123ABCD"))
    with pytest.raises(Conflict, match="already subscribed"):
        repos.subscriptions.create(NewSubscription("github", "Octo/Hello", "C0123ABCD"))
    matching = repos.subscriptions.matching("github", "octo/hello")
    assert [s.id for s in matching] == [repo_sub.id, org_sub.id]
    assert repo_sub.events == ("pulls",)
    assert repo_sub.filters == {"labels": ["bug"]}
    assert repos.subscriptions.list(SubscriptionFilter(channel_id="C0123ABCD")).total == 2
    assert repos.subscriptions.delete(org_sub.id)
    assert repos.subscriptions.get(org_sub.id) is None


def test_timestamps_are_utc_aware_on_every_database(repos: Repositories) -> None:
    stored, _ = repos.integrations.record(event())
    assert stored.updated_at >= stored.created_at
    assert stored.created_at <= datetime.now(UTC)
    assert repos.integrations.get(stored.id).created_at.tzinfo is UTC  # type: ignore[union-attr]
