"""Delivery leases and the attempt budget: a slow delivery keeps its lease (renewed while the
handler runs), a worker that lost its lease neither posts nor ends the attempt, and rate
limits (`Retry-After`) do not use up the attempt limit.

Webhooks go in signed over HTTP; Slack is the fake over real HTTP; the workers run in the
test's threads.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

import pytest
from slack_sdk import WebClient

from integrations.delivery.worker import Lease, Worker, WorkerConfig
from playground.fakes.slack import FakeSlack
from storage.queue import Claim
from storage.types import utcnow
from tests.support.live import LiveApp
from tests.support.workers import worker_for
from tests.test_delivery_worker import CHANNEL, Pipeline, make_worker, slack_settings


@dataclass
class Setup:
    pipeline: Pipeline
    root: str  # the Slack thread of TES-41
    event_id: int


@pytest.fixture
def setup(
    make_live_app: Callable[..., LiveApp], sqlite_url: str, fake_slack: FakeSlack
) -> Callable[..., Setup]:
    """A live app and a thread for TES-41; Slack faults are set up before the comment is sent."""

    def make(*, faults: Callable[[FakeSlack], object] = lambda fake: None) -> Setup:
        live = make_live_app(sqlite_url, **slack_settings(fake_slack))
        pipeline = Pipeline(live, fake_slack, make_worker(live, fake_slack))
        root = pipeline.thread("TES-41")
        faults(fake_slack)
        return Setup(pipeline, root, pipeline.send("cloud-comment-created"))

    return make


def outcomes(pipeline: Pipeline, event_id: int) -> list[str]:
    return [a["outcome"] for a in pipeline.event(event_id)["attempt_log"]]


# Leases -----------------------------------------------------------------------------------


def patient_worker(live: LiveApp, fake: FakeSlack, **config: Any) -> Worker:
    """A worker whose Slack client waits 10 s for an answer, as the real one does."""
    client = WebClient(token=fake.bot_token, base_url=fake.api_url, timeout=10, retry_handlers=[])
    options = {"threads": 1, "poll_seconds": 0.05, "backoff_seconds": 0.01}
    return worker_for(
        live.runtime.settings,
        live.runtime.repos,
        config=WorkerConfig(**(options | config)),
        slack=client,
        name="patient-worker",
    )


def test_a_delivery_slower_than_its_lease_keeps_it_and_posts_once(
    setup: Callable[..., Setup],
) -> None:
    s = setup(faults=lambda fake: fake.delay("chat.postMessage", 3.0))  # within the timeout
    live, fake = s.pipeline.live, s.pipeline.slack
    first, second = (patient_worker(live, fake, lease_seconds=1) for _ in range(2))
    slow = threading.Thread(target=first.run_once, args=("worker-a",))
    slow.start()
    time.sleep(1.5)  # past the first lease: only a renewal keeps the event from `second`
    row = live.runtime.repos.integrations.get(s.event_id)
    assert row is not None
    assert row.status.value == "pending"
    assert second.run_once("worker-b") == 0
    slow.join(10)
    assert len(fake.replies(CHANNEL, s.root)) == 1
    assert len(fake.calls("chat.postMessage")) == 1
    assert s.pipeline.event(s.event_id)["status"] == "completed"
    assert outcomes(s.pipeline, s.event_id) == ["completed"]


def test_a_worker_whose_lease_was_taken_over_neither_posts_nor_ends_the_attempt(
    setup: Callable[..., Setup], caplog: pytest.LogCaptureFixture
) -> None:
    s = setup()
    pipeline = s.pipeline
    queue = pipeline.live.runtime.repos.queue
    routes = pipeline.worker.routes()
    [stalled] = queue.claim("worker-a", routes, lease_seconds=0.05)
    time.sleep(0.1)
    [taken] = queue.claim("worker-b", routes, lease_seconds=60)  # a's lease had expired

    with caplog.at_level(logging.WARNING, logger="integrations.delivery.worker"):
        pipeline.worker.deliver(stalled, "worker-a")  # a wakes up, its lease long gone
    assert pipeline.slack.calls("chat.postMessage") == []
    assert pipeline.slack.calls("conversations.replies") == []
    assert "delivery.attempt_dropped" in caplog.text
    assert outcomes(pipeline, s.event_id) == ["abandoned", "running"]  # b's attempt untouched

    pipeline.worker.deliver(taken, "worker-b")
    assert len(pipeline.slack.replies(CHANNEL, s.root)) == 1
    assert outcomes(pipeline, s.event_id) == ["abandoned", "completed"]


def test_a_renewal_that_finds_the_lease_taken_over_marks_it_lost(
    setup: Callable[..., Setup],
) -> None:
    s = setup()
    queue = s.pipeline.live.runtime.repos.queue
    routes = s.pipeline.worker.routes()
    [stalled] = queue.claim("worker-a", routes, lease_seconds=0.05)
    time.sleep(0.1)
    queue.claim("worker-b", routes, lease_seconds=60)
    # As if a's clock still gave it time: only the database knows the lease moved on.
    believed: Claim = replace(stalled, lease_until=utcnow() + timedelta(seconds=60))
    lease = Lease(queue, believed, "worker-a", lease_seconds=0.3).start()
    try:
        assert lease.held()
        deadline = time.monotonic() + 5
        while lease.held():
            assert time.monotonic() < deadline, "the renewal never noticed the take-over"
            time.sleep(0.02)
    finally:
        lease.stop()


def test_a_held_lease_is_renewed_while_the_handler_runs(setup: Callable[..., Setup]) -> None:
    s = setup()
    repos = s.pipeline.live.runtime.repos
    # 1.5 s: the lease keeps half of itself in reserve, so a renewal may be late by 0.75 s
    # (a busy CI machine's SQLite write) without losing it.
    [claim] = repos.queue.claim("worker-a", s.pipeline.worker.routes(), lease_seconds=1.5)
    lease = Lease(repos.queue, claim, "worker-a", lease_seconds=1.5).start()
    try:
        time.sleep(3.75)  # 2.5 leases
        assert lease.held()
        assert repos.queue.claim("worker-b", s.pipeline.worker.routes(), lease_seconds=60) == []
    finally:
        lease.stop()
    assert repos.queue.complete(claim, "worker-a")


def test_a_lease_shorter_than_the_client_timeouts_is_warned_about(
    make_live_app: Callable[..., LiveApp],
    sqlite_url: str,
    fake_slack: FakeSlack,
    caplog: pytest.LogCaptureFixture,
) -> None:
    live = make_live_app(sqlite_url, **slack_settings(fake_slack))
    with caplog.at_level(logging.WARNING, logger="integrations.delivery.worker"):
        make_worker(live, fake_slack, lease_seconds=30)
        assert "worker.short_lease" not in caplog.text
        make_worker(live, fake_slack, lease_seconds=2)
    assert "worker.short_lease lease=2s" in caplog.text
    with pytest.raises(ValueError, match="lease_seconds must be positive"):
        WorkerConfig(lease_seconds=0)


# Stopping ---------------------------------------------------------------------------------


def test_a_stopping_worker_releases_the_delivery_it_cannot_finish(
    setup: Callable[..., Setup],
) -> None:
    s = setup(faults=lambda fake: fake.slow_after_apply("chat.postMessage", 30))
    live, fake = s.pipeline.live, s.pipeline.slack
    stopping = patient_worker(live, fake, lease_seconds=2).start()
    deadline = time.monotonic() + 10
    while not fake.calls("chat.postMessage"):
        assert time.monotonic() < deadline, "the delivery never started"
        time.sleep(0.02)

    started = time.monotonic()
    assert stopping.stop(grace=1.0) == 1
    assert time.monotonic() - started < 1.0 + 2.0  # the grace, and time to release
    assert s.pipeline.event(s.event_id)["status"] == "pending"
    # The next worker may claim it once the post already allowed (up to 1 s, half the lease)
    # must have ended; it finds that post and does not post again.
    assert drain(s.pipeline, make_worker(live, fake), s.event_id) == "completed"
    assert len(fake.replies(CHANNEL, s.root)) == 1
    assert len(fake.calls("chat.postMessage")) == 1
    assert outcomes(s.pipeline, s.event_id) == ["abandoned", "completed"]


def test_a_worker_asked_to_stop_claims_nothing_more(setup: Callable[..., Setup]) -> None:
    s = setup()
    worker = make_worker(s.pipeline.live, s.pipeline.slack)
    worker.request_stop()
    assert worker.stopping
    worker.start()
    time.sleep(0.3)  # a few poll intervals
    assert worker.stop() == 0
    assert s.pipeline.event(s.event_id)["attempt_log"] == []


# Rate limits ------------------------------------------------------------------------------


def drain(pipeline: Pipeline, worker: Worker, event_id: int, timeout: float = 10.0) -> str:
    deadline = time.monotonic() + timeout
    while (status := pipeline.event(event_id)["status"]) == "pending":
        worker.run_until_idle()
        assert time.monotonic() < deadline
        time.sleep(0.02)
    return status


def test_rate_limits_do_not_use_up_the_attempt_limit(setup: Callable[..., Setup]) -> None:
    s = setup(faults=lambda fake: fake.fail("chat.postMessage", status=429, retry_after=0, times=3))
    worker = make_worker(s.pipeline.live, s.pipeline.slack, max_attempts=3)
    assert drain(s.pipeline, worker, s.event_id) == "completed"
    assert len(s.pipeline.slack.replies(CHANNEL, s.root)) == 1
    assert outcomes(s.pipeline, s.event_id) == ["rate_limited"] * 3 + ["completed"]
    errors = [a["error"] for a in s.pipeline.event(s.event_id)["attempt_log"]]
    assert all("rate limited (Retry-After 0.0s)" in e for e in errors[:3])


def test_other_retries_still_count_around_rate_limits(setup: Callable[..., Setup]) -> None:
    def faults(fake: FakeSlack) -> None:
        fake.fail("chat.postMessage", status=500, times=1)
        fake.fail("chat.postMessage", status=429, retry_after=0, times=2)
        fake.fail("chat.postMessage", status=503, times=1)

    s = setup(faults=faults)
    worker = make_worker(s.pipeline.live, s.pipeline.slack, max_attempts=2)
    assert drain(s.pipeline, worker, s.event_id) == "failed"
    event = s.pipeline.event(s.event_id)
    assert [a["outcome"] for a in event["attempt_log"]] == [
        "retry",
        "rate_limited",
        "rate_limited",
        "failed",
    ]
    assert event["error_message"].startswith("gave up after 2 attempts; last error: Slack")
    assert s.pipeline.slack.replies(CHANNEL, s.root) == []


def test_an_event_rate_limited_for_ever_still_ends(setup: Callable[..., Setup]) -> None:
    s = setup(
        faults=lambda fake: fake.fail("chat.postMessage", status=429, retry_after=0, times=10)
    )
    worker = make_worker(s.pipeline.live, s.pipeline.slack, max_attempts=2, max_rate_limited=4)
    assert drain(s.pipeline, worker, s.event_id) == "failed"
    event = s.pipeline.event(s.event_id)
    assert [a["outcome"] for a in event["attempt_log"]] == ["rate_limited"] * 3 + ["failed"]
    assert event["error_message"].startswith("gave up after 4 rate-limited attempts")


def test_a_replayed_event_gets_a_fresh_rate_limit_budget(setup: Callable[..., Setup]) -> None:
    s = setup(faults=lambda fake: fake.fail("chat.postMessage", status=429, retry_after=0, times=3))
    worker = make_worker(s.pipeline.live, s.pipeline.slack, max_rate_limited=2)
    assert drain(s.pipeline, worker, s.event_id) == "failed"  # 429, 429 → gave up
    replay = s.pipeline.live.post(f"/api/v1/integrations/{s.event_id}/retry")
    assert replay.status_code in (200, 202), replay.text
    assert drain(s.pipeline, worker, s.event_id) == "completed"  # 429, then posted
    assert outcomes(s.pipeline, s.event_id) == [
        "rate_limited",
        "failed",
        "rate_limited",
        "completed",
    ]
