"""The delivery worker against the fake Slack: retries, rate limits, unknown outcomes, failure
and replay, routing to threads and subscriptions, comment edits and loop prevention.

Webhooks go in signed over HTTP; the worker runs in the test thread (`drain`) or, in one
test, as the app's own background threads.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from slack_sdk import WebClient

from integrations.delivery.worker import Worker, WorkerConfig
from integrations.routes import handler_for
from integrations.slack.posts import TAG_EVENT_TYPE
from playground.fakes.slack import FakeSlack
from storage.domain import MappingType, Status, slack_ref
from tests.support.live import LiveApp
from tests.support.pipeline import DeliveryPipeline
from tests.support.webhooks import (
    GITHUB_SECRET,
    JIRA_SECRET,
    jira_corpus_files,
    jira_payload,
    post_jira,
)
from tests.support.workers import worker_for
from web.webhooks import WORKER_EXTENSION

CHANNEL = "C0GENERAL"


class Pipeline(DeliveryPipeline):
    def send(self, name_or_payload: str | dict[str, Any], **kwargs: Any) -> int:
        """A Jira webhook: a corpus file's name, or a payload."""
        payload = (
            jira_payload(name_or_payload) if isinstance(name_or_payload, str) else name_or_payload
        )
        return self.send_jira(payload, **kwargs)

    def thread(self, key: str = "TES-41") -> str:
        """Link `key` to a new thread started by a person in #general; returns its ts."""
        root = self.slack.add_message(CHANNEL, f"Let's talk about {key}")
        self.live.runtime.repos.mappings.link(
            MappingType.ISSUE_THREAD, "jira", key, "slack", slack_ref(CHANNEL, root.ts)
        )
        return root.ts

    def subscribe(self, project: str = "TES", **body: Any) -> None:
        response = self.live.post(
            "/api/v1/subscriptions",
            json={"source_service": "jira", "source_id": project, "channel_id": CHANNEL, **body},
        )
        assert response.status_code == 201, response.text


def slack_settings(fake: FakeSlack) -> dict[str, Any]:
    return {
        "slack_bot_token": fake.bot_token,
        "slack_signing_secret": "signing-secret",
        "slack_api_url": fake.api_url,
        "jira_webhook_secret": JIRA_SECRET,
        "github_webhook_secret": GITHUB_SECRET,
    }


def make_worker(live: LiveApp, fake: FakeSlack, **config: Any) -> Worker:
    options = {"threads": 1, "poll_seconds": 0.05, "backoff_seconds": 0.01, "max_attempts": 8}
    client = WebClient(token=fake.bot_token, base_url=fake.api_url, timeout=1, retry_handlers=[])
    return worker_for(
        live.runtime.settings,
        live.runtime.repos,
        config=WorkerConfig(**(options | config)),
        slack=client,
        name="test-worker",
    )


@pytest.fixture
def pipeline(
    make_live_app: Callable[..., LiveApp], sqlite_url: str, fake_slack: FakeSlack
) -> Pipeline:
    live = make_live_app(sqlite_url, **slack_settings(fake_slack))
    return Pipeline(live, fake_slack, make_worker(live, fake_slack))


def tags(fake: FakeSlack, channel: str, ts: str) -> list[dict[str, Any]]:
    return [m.metadata or {} for m in fake.thread(channel, ts)]


# Routing ----------------------------------------------------------------------------------


def test_a_comment_on_a_linked_issue_becomes_a_tagged_reply(pipeline: Pipeline) -> None:
    root = pipeline.thread("TES-41")
    event_id = pipeline.send("cloud-comment-created")
    pipeline.drain()
    [reply] = pipeline.slack.replies(CHANNEL, root)
    assert reply.text == (
        "Test User commented on "
        "<https://some-instance-test.atlassian.net/browse/TES-41|TES-41>:\nAdded a comment"
    )
    assert reply.metadata == {
        "event_type": TAG_EVENT_TYPE,
        "event_payload": {"integration_id": event_id, "role": "reply"},
    }
    event = pipeline.event(event_id)
    assert event["status"] == "completed"
    assert event["target_id"] == slack_ref(CHANNEL, reply.ts)
    [mapping] = pipeline.live.get(
        "/api/v1/mappings", params={"mapping_type": "comment_message"}
    ).json()["mappings"]
    assert (mapping["source_id"], mapping["target_id"]) == ("TES-41/10019", event["target_id"])
    assert mapping["extra_data"] == {"origin": "jira", "integration_id": event_id}


def test_without_a_thread_or_subscription_nothing_is_posted(pipeline: Pipeline) -> None:
    event_id = pipeline.send("issue-updated-assigned")
    pipeline.drain()
    assert pipeline.slack.posted == []
    event = pipeline.event(event_id)
    assert event["status"] == "ignored"
    assert event["last_error"] == (
        "no Slack thread is linked to TES-41 and no subscription of TES takes issue_updated"
    )


def test_a_subscription_starts_a_thread_that_later_events_use(pipeline: Pipeline) -> None:
    pipeline.subscribe("TES")
    pipeline.send("issue-created")
    pipeline.drain()
    [parent] = pipeline.slack.messages(CHANNEL)
    assert parent.text == "TES-41: Unit test summary (To Do)"
    assert parent.blocks is not None
    assert parent.blocks[1]["elements"][0]["text"] == (
        "Story · Status: *To Do* · Priority: High · Assignee: Unassigned"
    )
    [thread] = pipeline.live.get(
        "/api/v1/mappings", params={"mapping_type": "issue_thread", "source_id": "TES-41"}
    ).json()["mappings"]
    assert thread["target_id"] == slack_ref(CHANNEL, parent.ts)

    assigned = jira_payload("issue-updated-assigned")
    pipeline.send(assigned)
    pipeline.drain()
    assert len(pipeline.slack.messages(CHANNEL)) == 1
    [reply] = pipeline.slack.replies(CHANNEL, parent.ts)
    assert reply.text.endswith("• *Assignee:* Unassigned → Test User")
    assert not reply.reply_broadcast
    edited = pipeline.slack.message(CHANNEL, parent.ts)
    assert edited is not None
    assert edited.edited is not None
    assert "Assignee: Test User" in edited.blocks[1]["elements"][0]["text"]  # type: ignore[index]


def test_broadcast_and_filters_follow_the_subscription(pipeline: Pipeline) -> None:
    pipeline.subscribe("TES", events=["issue_updated"], filters={"broadcast": ["status"]})
    pipeline.send("issue-updated-started-working")
    pipeline.send("issue-updated-renamed")
    pipeline.drain()
    [parent] = pipeline.slack.messages(CHANNEL, None)[:1]
    replies = pipeline.slack.replies(CHANNEL, parent.ts)
    assert [r.reply_broadcast for r in replies] == [True, False]
    assert "*Status:* To Do → In Progress" in replies[0].text


def test_subscription_filters_exclude_issues(pipeline: Pipeline) -> None:
    pipeline.subscribe("TES", filters={"issue_types": ["Bug"], "exclude_labels": ["sad"]})
    event_id = pipeline.send("issue-updated-renamed")  # a Story
    pipeline.drain()
    assert pipeline.slack.posted == []
    assert pipeline.event(event_id)["status"] == "ignored"


def test_a_comment_made_from_slack_is_never_posted_back(pipeline: Pipeline) -> None:
    root = pipeline.thread("TES-41")
    pipeline.live.runtime.repos.mappings.link(
        MappingType.COMMENT_MESSAGE,
        "jira",
        "TES-41/10019",
        "slack",
        slack_ref(CHANNEL, root),
        {"origin": "slack"},
    )
    event_id = pipeline.send("cloud-comment-created")
    pipeline.drain()
    assert pipeline.slack.posted == []
    assert pipeline.event(event_id)["last_error"] == (
        "comment TES-41/10019 was made from Slack: not posted back"
    )


def test_comment_edits_update_the_reply_and_deletions_mark_it(pipeline: Pipeline) -> None:
    root = pipeline.thread("TES-41")
    pipeline.send("cloud-comment-created")
    pipeline.send("cloud-comment-created")  # Jira sends the same comment twice: posted once
    pipeline.drain()
    [reply] = pipeline.slack.replies(CHANNEL, root)

    pipeline.send("cloud-comment-updated")
    pipeline.drain()
    [edited] = pipeline.slack.replies(CHANNEL, root)
    assert edited.ts == reply.ts
    assert edited.text == (
        "Test User commented on <https://some-instance-test.atlassian.net/browse/TES-41|TES-41>"
        " _(edited)_:\nAdded a comment, then edited it"
    )

    deleted = jira_payload("cloud-comment-updated") | {"webhookEvent": "comment_deleted"}
    pipeline.send(deleted)
    pipeline.drain()
    [marked] = pipeline.slack.replies(CHANNEL, root)
    assert marked.text == (
        "_A comment by Test User on "
        "<https://some-instance-test.atlassian.net/browse/TES-41|TES-41> was deleted in Jira._"
    )
    assert len(pipeline.slack.calls("chat.postMessage")) == 1


# Faults -----------------------------------------------------------------------------------


def test_server_errors_then_rate_limits_end_in_exactly_one_post(pipeline: Pipeline) -> None:
    root = pipeline.thread("TES-41")
    pipeline.slack.fail("chat.postMessage", status=500, times=2)
    pipeline.slack.fail("chat.postMessage", status=503, times=1)
    pipeline.slack.fail("chat.postMessage", status=429, retry_after=1, times=1)
    event_id = pipeline.send("cloud-comment-created")
    pipeline.drain()
    assert len(pipeline.slack.replies(CHANNEL, root)) == 1
    posts = pipeline.slack.calls("chat.postMessage")
    assert len(posts) == 5
    assert posts[4].received_at - posts[3].received_at >= 1.0  # Retry-After was honoured
    event = pipeline.event(event_id)
    assert event["status"] == "completed"
    assert [a["outcome"] for a in event["attempt_log"]] == [
        "retry",
        "retry",
        "retry",
        "rate_limited",
        "completed",
    ]
    assert "HTTP 500" in event["attempt_log"][0]["error"]
    assert "rate limited (Retry-After 1.0s)" in event["attempt_log"][3]["error"]


def test_a_post_whose_answer_never_came_is_not_posted_again(pipeline: Pipeline) -> None:
    root = pipeline.thread("TES-41")
    pipeline.slack.slow_after_apply("chat.postMessage", 3)  # the client gives up after 1 s
    event_id = pipeline.send("cloud-comment-created")
    pipeline.drain()
    assert len(pipeline.slack.replies(CHANNEL, root)) == 1
    assert len(pipeline.slack.calls("chat.postMessage")) == 1
    assert pipeline.slack.calls("conversations.replies")[-1].args["include_all_metadata"] in (
        True,
        "true",
        "1",
    )
    event = pipeline.event(event_id)
    assert event["status"] == "completed"
    assert [a["outcome"] for a in event["attempt_log"]] == ["retry", "completed"]
    assert "TimeoutError" in event["attempt_log"][0]["error"]


def test_a_worker_that_died_after_posting_and_linking_is_taken_over_cleanly(
    pipeline: Pipeline,
) -> None:
    root = pipeline.thread("TES-41")
    event_id = pipeline.send("cloud-comment-created")
    repos = pipeline.live.runtime.repos
    [claim] = repos.queue.claim("dead", pipeline.worker.routes(), lease_seconds=0.05)
    handler = handler_for("jira", "slack")
    assert handler is not None
    handler(claim.integration, pipeline.worker.context(claim))  # posted and linked; then died
    time.sleep(0.1)
    pipeline.drain()
    assert len(pipeline.slack.replies(CHANNEL, root)) == 1
    event = pipeline.event(event_id)
    assert event["status"] == "completed"
    assert [a["outcome"] for a in event["attempt_log"]] == ["abandoned", "completed"]


def test_after_the_attempt_limit_the_event_fails_and_can_be_replayed(
    make_live_app: Callable[..., LiveApp], sqlite_url: str, fake_slack: FakeSlack
) -> None:
    live = make_live_app(sqlite_url, **slack_settings(fake_slack))
    pipeline = Pipeline(live, fake_slack, make_worker(live, fake_slack, max_attempts=3))
    root = pipeline.thread("TES-41")
    fault = pipeline.slack.fail("chat.postMessage", status=500, times=None)
    event_id = pipeline.send("cloud-comment-created")
    pipeline.drain()
    event = pipeline.event(event_id)
    assert event["status"] == "failed"
    assert event["last_error"].startswith("gave up after 3 attempts; last error: Slack")
    failed = live.get("/api/v1/integrations", params={"status": "failed"}).json()
    assert [i["id"] for i in failed["integrations"]] == [event_id]

    pipeline.slack.clear_faults()
    assert fault.times is None
    assert live.post(f"/api/v1/integrations/{event_id}/retry").status_code == 202
    pipeline.drain()
    assert pipeline.event(event_id)["status"] == "completed"
    assert len(pipeline.slack.replies(CHANNEL, root)) == 1
    assert [a["outcome"] for a in pipeline.event(event_id)["attempt_log"]] == [
        "retry",
        "retry",
        "failed",
        "completed",
    ]


def test_a_permanent_slack_error_fails_at_once(pipeline: Pipeline) -> None:
    pipeline.thread("TES-41")
    pipeline.slack.api_error("chat.postMessage", "invalid_auth")
    event_id = pipeline.send("cloud-comment-created")
    pipeline.drain()
    event = pipeline.event(event_id)
    assert event["status"] == "failed"
    assert event["last_error"] == "Slack chat_postMessage: invalid_auth"


def test_an_archived_channel_is_skipped_while_other_threads_still_get_the_event(
    pipeline: Pipeline,
) -> None:
    first = pipeline.thread("TES-41")
    pipeline.slack.add_channel("C0OLD", "old", is_archived=True)
    old = pipeline.slack.add_message("C0OLD", "old thread")
    pipeline.live.runtime.repos.mappings.link(
        MappingType.ISSUE_THREAD, "jira", "TES-41", "slack", slack_ref("C0OLD", old.ts)
    )
    event_id = pipeline.send("cloud-comment-created")
    pipeline.drain()
    assert len(pipeline.slack.replies(CHANNEL, first)) == 1
    event = pipeline.event(event_id)
    assert event["status"] == "completed"


# The worker as the app runs it ------------------------------------------------------------


@pytest.fixture
def app_with_worker(
    make_live_app: Callable[..., LiveApp], sqlite_url: str, fake_slack: FakeSlack
) -> Iterator[LiveApp]:
    live = make_live_app(
        sqlite_url,
        connect_worker="on",
        connect_worker_threads=2,
        connect_worker_poll_seconds=0.2,
        **slack_settings(fake_slack),
    )
    yield live
    live.app.extensions[WORKER_EXTENSION].stop()


def test_the_in_process_worker_delivers_right_after_intake(
    app_with_worker: LiveApp, fake_slack: FakeSlack
) -> None:
    root = fake_slack.add_message(CHANNEL, "thread")
    app_with_worker.runtime.repos.mappings.link(
        MappingType.ISSUE_THREAD, "jira", "TES-41", "slack", slack_ref(CHANNEL, root.ts)
    )
    started = time.monotonic()
    response = post_jira(app_with_worker, jira_payload("cloud-comment-created"))
    assert response.status_code == 202
    while not fake_slack.replies(CHANNEL, root.ts):
        assert time.monotonic() - started < 5, "not delivered within 5 s"
        time.sleep(0.01)
    event_id = response.json()["integration_id"]
    deadline = time.monotonic() + 5
    while app_with_worker.runtime.repos.integrations.get(event_id).status is Status.PENDING:  # type: ignore[union-attr]
        assert time.monotonic() < deadline
        time.sleep(0.01)
    metrics = app_with_worker.get("/metrics").text
    assert 'connect_deliveries_total{outcome="completed",target="slack"} 1.0' in metrics
    assert 'connect_webhooks_received_total{outcome="accepted",source="jira"} 1.0' in metrics
    assert "connect_worker_threads_alive 2.0" in metrics


def test_every_corpus_payload_is_delivered_or_ignored_never_failed(pipeline: Pipeline) -> None:
    payloads = {path.stem: json.loads(path.read_text()) for path in jira_corpus_files()}
    keys = {p["issue"]["key"] for p in payloads.values() if isinstance(p.get("issue"), dict)}
    roots = {key: pipeline.thread(key) for key in sorted(keys)}
    sent = {name: pipeline.send(payload) for name, payload in payloads.items()}
    pipeline.drain(timeout=30)
    outcomes = {name: pipeline.event(event_id)["status"] for name, event_id in sent.items()}
    assert "failed" not in outcomes.values(), outcomes
    assert "pending" not in outcomes.values(), outcomes
    completed = [name for name, status in outcomes.items() if status == "completed"]
    assert len(completed) >= 40, outcomes
    replies = sum(len(pipeline.slack.replies(CHANNEL, ts)) for ts in roots.values())
    assert replies == len(pipeline.slack.calls("chat.postMessage"))
