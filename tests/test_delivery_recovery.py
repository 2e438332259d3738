"""Recovery from a killed worker, with real `python app.py worker` processes and the default
lease (20 s), heartbeat and poll interval: no test-sized lease hides the wait.

A worker is SIGKILLed while it holds the first of 5 accepted comments of one Jira issue (its
post landed and the answer never came, or the post never landed); the other 4 wait behind it
in the thread's queue.

- restarted on the same host, it releases its dead instance's lease as it starts;
- a live sibling on the same host releases it at its next heartbeat;
- a worker that cannot be asked (another host) is taken over when its lease runs out;

either way all 5 are posted exactly once, in order, well within 30 s. The measured times are
printed (`pytest -s`).
"""

from __future__ import annotations

import signal
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import pytest

from playground.fakes.slack import FakeSlack
from tests.support.live import LiveApp
from tests.support.webhooks import jira_payload, post_jira
from tests.test_delivery_processes import (
    CHANNEL,
    _comment,
    intake,  # noqa: F401 - the fixture
    link_thread,
    wait_for,
    worker_env,
    workers,
)

pytestmark = pytest.mark.slow

KEY = "REC-7"
COMMENTS = 5
BOUND_SECONDS = 30.0


def production_env(database_url: str, fake: FakeSlack) -> dict[str, str]:
    """The worker as deployed: default lease, heartbeat, poll interval and backoff."""
    env = worker_env(database_url, fake)
    for name in (
        "CONNECT_DELIVERY_LEASE_SECONDS",
        "CONNECT_WORKER_POLL_SECONDS",
        "CONNECT_DELIVERY_BACKOFF_SECONDS",
    ):
        env.pop(name)
    return env


def accept_comments(live: LiveApp) -> list[int]:
    template = jira_payload("cloud-comment-created")
    ids = []
    for sequence in range(COMMENTS):
        response = post_jira(live, _comment(template, KEY, sequence))
        assert response.status_code == 202, response.text
        ids.append(response.json()["integration_id"])
    return ids


def hang_first_post(fake: FakeSlack, landed: bool) -> None:
    if landed:
        fake.slow_after_apply("chat.postMessage", 60)  # posted; the answer never comes
    else:
        fake.fail("chat.postMessage", status=500, delay=60)  # hangs, then not posted


def all_completed(live: LiveApp, ids: list[int]) -> Callable[[], bool]:
    def check() -> bool:
        events = [live.runtime.repos.integrations.get(i) for i in ids]
        return all(e is not None and e.status.value == "completed" for e in events)

    return check


def assert_posted_once_in_order(live: LiveApp, fake: FakeSlack, root: str, ids: list[int]) -> None:
    texts = [reply.text.rsplit(":\n", 1)[1] for reply in fake.replies(CHANNEL, root)]
    assert texts == [f"{KEY} comment {n}" for n in range(COMMENTS)]
    attempts = [[a.outcome for a in live.runtime.repos.integrations.attempts(i)] for i in ids]
    assert attempts == [["abandoned", "completed"]] + [["completed"]] * (COMMENTS - 1)


def test_a_restarted_worker_takes_over_its_killed_instances_events_at_once(
    intake: Callable[[str], LiveApp],  # noqa: F811
    database_url: str,
    fake_slack: FakeSlack,
    tmp_path: Path,
) -> None:
    live = intake(database_url)
    root = link_thread(live, fake_slack, KEY)
    hang_first_post(fake_slack, landed=True)
    ids = accept_comments(live)
    env = production_env(database_url, fake_slack)

    with workers(1, env, tmp_path) as [first]:
        wait_for(lambda: bool(fake_slack.calls("chat.postMessage")), 30, "the first post")
        first.send_signal(signal.SIGKILL)
        first.wait(10)
    assert len(fake_slack.replies(CHANNEL, root)) == 1  # it landed; nothing else did

    restarted, wall = time.monotonic(), datetime.now()
    log = tmp_path / "restarted.log"
    with workers(1, env | {"CONNECT_LOG_LEVEL": "INFO"}, tmp_path, output=log):
        wait_for(all_completed(live, ids), 60, "all 5 comments")
        recovery = time.monotonic() - restarted
    kind = database_url.split(":")[0]
    print(f"\nrecovery after SIGKILL, restarted worker ({kind}): {recovery:.1f}s", end=" ")
    print(milestones(log, wall, ["worker.released_dead", "worker.started", "delivery.completed"]))
    assert recovery < BOUND_SECONDS
    assert_posted_once_in_order(live, fake_slack, root, ids)
    assert len(fake_slack.calls("chat.postMessage")) == COMMENTS  # the landed one was found


def test_a_killed_worker_whose_post_never_landed_is_taken_over_at_restart(
    intake: Callable[[str], LiveApp],  # noqa: F811
    sqlite_url: str,
    fake_slack: FakeSlack,
    tmp_path: Path,
) -> None:
    live = intake(sqlite_url)
    root = link_thread(live, fake_slack, KEY)
    hang_first_post(fake_slack, landed=False)
    ids = accept_comments(live)
    env = production_env(sqlite_url, fake_slack)

    with workers(1, env, tmp_path) as [first]:
        wait_for(lambda: bool(fake_slack.calls("chat.postMessage")), 30, "the first post")
        first.send_signal(signal.SIGKILL)
        first.wait(10)
    assert fake_slack.replies(CHANNEL, root) == []

    restarted = time.monotonic()
    with workers(1, env, tmp_path):
        wait_for(all_completed(live, ids), 60, "all 5 comments")
        recovery = time.monotonic() - restarted
    print(f"\nrecovery after SIGKILL, post lost, restarted worker: {recovery:.1f}s")
    assert recovery < BOUND_SECONDS
    assert_posted_once_in_order(live, fake_slack, root, ids)
    assert len(fake_slack.calls("chat.postMessage")) == COMMENTS + 1


def test_a_live_sibling_takes_over_a_killed_workers_events_at_its_next_heartbeat(
    intake: Callable[[str], LiveApp],  # noqa: F811
    sqlite_url: str,
    fake_slack: FakeSlack,
    tmp_path: Path,
) -> None:
    live = intake(sqlite_url)
    root = link_thread(live, fake_slack, KEY)
    hang_first_post(fake_slack, landed=True)
    ids = accept_comments(live)
    env = production_env(sqlite_url, fake_slack)

    with workers(1, env, tmp_path) as [first]:
        wait_for(lambda: bool(fake_slack.calls("chat.postMessage")), 30, "the first post")
        with workers(1, env, tmp_path):
            registry = live.runtime.repos.workers
            wait_for(lambda: len(registry.on_host(_host())) == 2, 30, "the sibling to join")
            first.send_signal(signal.SIGKILL)
            killed = time.monotonic()
            first.wait(10)
            wait_for(all_completed(live, ids), 60, "all 5 comments")
            recovery = time.monotonic() - killed
    print(f"\nrecovery after SIGKILL, live sibling: {recovery:.1f}s")
    assert recovery < BOUND_SECONDS
    assert_posted_once_in_order(live, fake_slack, root, ids)


def test_a_worker_that_cannot_be_asked_is_taken_over_when_its_lease_runs_out(
    intake: Callable[[str], LiveApp],  # noqa: F811
    sqlite_url: str,
    fake_slack: FakeSlack,
    tmp_path: Path,
) -> None:
    """As for a worker on another host: the default lease (20 s) bounds the wait."""
    live = intake(sqlite_url)
    root = link_thread(live, fake_slack, KEY)
    hang_first_post(fake_slack, landed=True)
    ids = accept_comments(live)
    env = production_env(sqlite_url, fake_slack)
    registry = live.runtime.repos.workers

    with workers(1, env, tmp_path) as [first]:
        wait_for(lambda: bool(fake_slack.calls("chat.postMessage")), 30, "the first post")
        first.send_signal(signal.SIGKILL)
        killed = time.monotonic()
        first.wait(10)
    [dead] = registry.on_host(_host())
    registry.join(replace(dead, host="another-host"))  # its pid can no longer be asked

    with workers(1, env, tmp_path):
        wait_for(all_completed(live, ids), 60, "all 5 comments")
        recovery = time.monotonic() - killed
    print(f"\nrecovery after SIGKILL, worker on another host (lease 20 s): {recovery:.1f}s")
    assert recovery < BOUND_SECONDS
    assert_posted_once_in_order(live, fake_slack, root, ids)


def milestones(log: Path, since: datetime, events: list[str]) -> str:
    """When each event first appears in the log, in seconds after `since`."""
    seen: dict[str, float] = {}
    for line in log.read_text().splitlines():
        for event in events:
            if event in line and event not in seen:
                stamp = datetime.strptime(line[:23], "%Y-%m-%d %H:%M:%S,%f")
                seen[event] = (stamp - since).total_seconds()
    return "(" + ", ".join(f"{e} at {seen[e]:.1f}s" for e in events if e in seen) + ")"


def _host() -> str:
    import socket

    return socket.gethostname()
