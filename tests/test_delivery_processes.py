"""`python app.py worker` as real processes: SIGKILL mid-delivery, and several workers at once.

- A worker killed while its Slack post is in flight (the post landed but the answer never
  came, or it never landed) → a new worker takes the event over when the lease expires and it
  is delivered exactly once.
- Three worker processes (4 threads each) against PostgreSQL and against MariaDB, 2,000 events
  over 200 Jira issues, one worker SIGKILLed halfway → none lost, none duplicated, and each
  issue's comments reach its Slack thread in the order Jira sent them.
"""

from __future__ import annotations

import copy
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from playground.fakes.slack import FakeSlack
from storage.domain import MappingType, slack_ref
from tests.support.live import LiveApp
from tests.support.webhooks import JIRA_SECRET, jira_payload, post_jira

ROOT = Path(__file__).resolve().parent.parent
CHANNEL = "C0GENERAL"

pytestmark = pytest.mark.slow


def worker_env(database_url: str, fake: FakeSlack, **extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("CONNECT_", "SLACK_", "JIRA_", "GITHUB_")) and k != "DATABASE_URL"
    }
    return (
        env
        | {
            "DATABASE_URL": database_url,
            "SLACK_BOT_TOKEN": fake.bot_token,
            "SLACK_API_URL": fake.api_url,
            "CONNECT_WORKER_POLL_SECONDS": "0.1",
            "CONNECT_DELIVERY_BACKOFF_SECONDS": "0.1",
            "CONNECT_DELIVERY_LEASE_SECONDS": "2",
            "CONNECT_SLACK_CHANNEL_POSTS_PER_SECOND": "0",  # thousands of posts, one channel
            "CONNECT_LOG_LEVEL": "WARNING",
        }
        | extra
    )


@contextmanager
def workers(
    count: int, env: dict[str, str], cwd: Path, *, output: Path | None = None
) -> Iterator[list[subprocess.Popen[bytes]]]:
    """`count` worker processes; their output goes to `output` (appended) when given."""
    handle = output.open("ab") if output is not None else None
    sink = handle if handle is not None else subprocess.DEVNULL
    started = [
        subprocess.Popen(
            [sys.executable, str(ROOT / "app.py"), "worker"],
            cwd=cwd,
            env=env,
            stdout=sink,
            stderr=sink,
        )
        for _ in range(count)
    ]
    if handle is not None:
        handle.close()  # the children have their own copies
    try:
        yield started
    finally:
        for process in started:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in started:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def wait_for(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def link_thread(live: LiveApp, fake: FakeSlack, key: str) -> str:
    root = fake.add_message(CHANNEL, f"about {key}")
    live.runtime.repos.mappings.link(
        MappingType.ISSUE_THREAD, "jira", key, "slack", slack_ref(CHANNEL, root.ts)
    )
    return root.ts


@pytest.fixture
def intake(
    make_live_app: Callable[..., LiveApp], fake_slack: FakeSlack
) -> Callable[[str], LiveApp]:
    def make(database_url: str) -> LiveApp:
        return make_live_app(
            database_url,
            jira_webhook_secret=JIRA_SECRET,
            slack_bot_token=fake_slack.bot_token,
            slack_api_url=fake_slack.api_url,
        )

    return make


@pytest.mark.parametrize("landed", [True, False], ids=["post-landed", "post-lost"])
def test_a_worker_killed_mid_delivery_is_taken_over_and_posts_once(
    intake: Callable[[str], LiveApp],
    sqlite_url: str,
    fake_slack: FakeSlack,
    tmp_path: Path,
    landed: bool,
) -> None:
    live = intake(sqlite_url)
    root = link_thread(live, fake_slack, "TES-41")
    if landed:
        fake_slack.slow_after_apply("chat.postMessage", 60)  # posted; the answer never comes
    else:
        fake_slack.fail("chat.postMessage", status=500, delay=60)  # hangs, then not posted
    event_id = post_jira(live, jira_payload("cloud-comment-created")).json()["integration_id"]
    env = worker_env(sqlite_url, fake_slack)

    with workers(1, env, tmp_path) as [first]:
        wait_for(lambda: bool(fake_slack.calls("chat.postMessage")), 30, "the first post")
        first.send_signal(signal.SIGKILL)
        first.wait(10)
    assert len(fake_slack.replies(CHANNEL, root)) == (1 if landed else 0)

    repos = live.runtime.repos
    with workers(1, env, tmp_path):
        wait_for(
            lambda: repos.integrations.get(event_id).status.value == "completed",  # type: ignore[union-attr]
            30,
            "the event to be completed by the second worker",
        )
    [reply] = fake_slack.replies(CHANNEL, root)
    assert reply.metadata is not None
    assert reply.metadata["event_payload"]["integration_id"] == event_id
    outcomes = [a.outcome for a in repos.integrations.attempts(event_id)]
    assert outcomes == ["abandoned", "completed"]
    assert len(fake_slack.calls("chat.postMessage")) == (1 if landed else 2)


THREADS = 200
PER_THREAD = 10


def _comment(template: dict[str, Any], key: str, sequence: int) -> dict[str, Any]:
    payload = copy.deepcopy(template)
    payload["issue"]["key"] = key
    payload["comment"]["id"] = f"{key.split('-')[1]}{sequence:03d}"
    payload["comment"]["body"] = f"{key} comment {sequence}"
    payload["comment"]["author"].pop("emailAddress", None)
    return payload


@pytest.mark.parametrize("kind", ["postgresql", "mariadb"])
def test_many_workers_deliver_every_event_once_in_thread_order(
    kind: str,
    request: pytest.FixtureRequest,
    intake: Callable[[str], LiveApp],
    fake_slack: FakeSlack,
    tmp_path: Path,
) -> None:
    servers: dict[str, str] = request.getfixturevalue("_server_databases")
    url = servers[kind]
    if url.startswith("unreachable:"):
        pytest.skip(url.removeprefix("unreachable:"))
    try:
        live = intake(url)
        keys = [f"LOAD-{n}" for n in range(1, THREADS + 1)]
        roots = {key: link_thread(live, fake_slack, key) for key in keys}
        template = jira_payload("cloud-comment-created")
        env = worker_env(url, fake_slack, CONNECT_WORKER_THREADS="4")

        def send_thread(key: str) -> None:
            for sequence in range(PER_THREAD):
                response = post_jira(live, _comment(template, key, sequence))
                assert response.status_code == 202, response.text

        with workers(3, env, tmp_path) as processes:
            with ThreadPoolExecutor(8) as pool:
                list(pool.map(send_thread, keys))
            counts = live.runtime.repos.integrations.count_by_status
            wait_for(lambda: counts().get("completed", 0) >= 1000, 180, "half the events")
            processes[0].send_signal(signal.SIGKILL)
            wait_for(lambda: counts().get("pending", 0) == 0, 180, "every event")

        assert counts() == {"completed": THREADS * PER_THREAD}
        for key, ts in roots.items():
            texts = [reply.text.rsplit(":\n", 1)[1] for reply in fake_slack.replies(CHANNEL, ts)]
            assert texts == [f"{key} comment {n}" for n in range(PER_THREAD)], key
    finally:
        from tests.support import databases

        databases.empty_tables(url)
