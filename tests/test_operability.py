"""Operability: the queue as `/metrics` and `/health` see it, over real HTTP.

- `QueueRepository.backlog` on each database: pending events per target, the oldest one's
  age, and the longest wait of a *deliverable* event (due, first of its thread, not leased);
- `/metrics` shows those per target, read from the database on each scrape;
- `/health` of a process running a delivery worker shows its threads and the queue, and
  answers 503 while a deliverable event has waited longer than
  `CONNECT_HEALTH_MAX_PENDING_AGE_SECONDS` (the worker's only thread held up by a slow Slack)
  or a delivery thread is gone, and 200 again once the worker catches up.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import requests

from playground.fakes.slack import FakeSlack
from storage import Repositories
from storage.domain import MappingType, NewIntegration, slack_ref
from storage.types import utcnow
from tests.support.live import LiveApp
from tests.support.webhooks import JIRA_SECRET, jira_payload, post_jira
from tests.test_process import free_port
from web.webhooks import WORKER_EXTENSION

ROUTES = [("jira", "slack"), ("slack", "jira")]


def _event(repos: Repositories, thread: str | None, source: str = "jira", target: str = "slack"):
    event, _ = repos.integrations.record(
        NewIntegration(source, target, "jira:issue_updated", ordering_key=thread)
    )
    return event


def test_the_backlog_counts_pending_events_and_the_longest_deliverable_wait(
    repos: Repositories,
) -> None:
    a1 = _event(repos, "jira:A-1")
    _event(repos, "jira:A-1")  # behind a1: pending, not deliverable
    b1 = _event(repos, "jira:B-1")
    free = _event(repos, None)
    _event(repos, None, source="slack", target="jira")
    queue = repos.queue
    [held] = queue.claim("w1", [("jira", "slack")], limit=1, lease_seconds=60)
    assert held.id == a1.id
    [later] = queue.claim("w1", [("jira", "slack")], limit=1, lease_seconds=60)
    assert later.id == b1.id
    assert queue.retry_later(later, "w1", error="HTTP 500", delay_seconds=65, outcome="retry")

    soon = utcnow() + timedelta(seconds=10)
    backlog = queue.backlog(ROUTES, now=soon)
    slack = backlog["slack"]
    assert slack.pending == 4
    assert slack.oldest_received_at == a1.created_at
    assert slack.waiting_since == free.next_attempt_at  # a1 leased, a2 behind it, b1 retrying
    assert 9.5 < slack.longest_wait(soon) < 12
    assert backlog["jira"].pending == 1
    assert queue.backlog([("github", "slack")], now=soon) == {}
    assert queue.backlog([], now=soon) == {}

    [done] = queue.claim("w2", [("jira", "slack")], limit=1, lease_seconds=60, now=soon)
    assert done.id == free.id
    assert queue.complete(done, "w2")
    assert queue.backlog(ROUTES, now=soon)["slack"].waiting_since is None
    assert queue.backlog(ROUTES, now=soon)["slack"].longest_wait(soon) == 0.0
    expired = utcnow() + timedelta(seconds=70)  # a1's lease ran out 10 s ago, b1 is due 5 s
    assert 9 < queue.backlog(ROUTES, now=expired)["slack"].longest_wait(expired) < 12


def _gauge(text: str, name: str, target: str) -> float:
    found = re.search(rf'^{name}{{target="{target}"}} (\S+)$', text, re.MULTILINE)
    assert found, f"{name}{{target={target}}} not in /metrics"
    return float(found.group(1))


def test_metrics_show_the_queue_per_target(live_app: LiveApp) -> None:
    for _ in range(2):
        response = live_app.post(
            "/api/v1/integrations",
            json={"source_service": "jira", "target_service": "slack", "event_type": "x"},
        )
        assert response.status_code == 202, response.text
    time.sleep(0.2)

    text = live_app.get("/metrics").text
    assert _gauge(text, "connect_queue_depth", "slack") == 2.0
    assert _gauge(text, "connect_queue_depth", "jira") == 0.0
    assert _gauge(text, "connect_queue_oldest_pending_age_seconds", "slack") >= 0.2
    assert _gauge(text, "connect_queue_oldest_pending_age_seconds", "jira") == 0.0
    assert _gauge(text, "connect_queue_longest_wait_seconds", "slack") >= 0.2  # no worker here
    assert "connect_worker_threads_alive 0.0" in text


def _wait_for(condition: Callable[[], Any], timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while not (value := condition()):
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)
    return value


def _health(live: LiveApp, status: int) -> dict[str, Any] | None:
    response = live.get("/health")
    return response.json() if response.status_code == status else None


def test_health_is_503_while_a_deliverable_event_waits_too_long(
    make_live_app: Callable[..., LiveApp], sqlite_url: str, fake_slack: FakeSlack
) -> None:
    live = make_live_app(
        sqlite_url,
        connect_worker="on",
        connect_worker_threads=1,
        connect_worker_poll_seconds=0.1,
        connect_health_max_pending_age_seconds=1.0,
        slack_bot_token=fake_slack.bot_token,
        slack_signing_secret="signing-secret",
        slack_api_url=fake_slack.api_url,
        jira_webhook_secret=JIRA_SECRET,
    )
    for key in ("TES-41", "TES-42"):
        root = fake_slack.add_message("C0GENERAL", f"about {key}")
        live.runtime.repos.mappings.link(
            MappingType.ISSUE_THREAD, "jira", key, "slack", slack_ref("C0GENERAL", root.ts)
        )
    idle = live.get("/health")
    assert idle.status_code == 200
    assert idle.json()["worker"] == {"threads": 1, "threads_alive": 1}
    assert idle.json()["queue"] == {
        "pending": 0,
        "oldest_pending_age_seconds": 0.0,
        "longest_wait_seconds": 0.0,
        "max_wait_seconds": 1.0,
    }

    fake_slack.delay("chat.postMessage", 4.0)  # the only delivery thread is held up
    first = jira_payload("cloud-comment-created")
    second = jira_payload("cloud-comment-created")
    second["issue"]["key"], second["comment"]["id"] = "TES-42", "20001"
    for payload in (first, second):
        assert post_jira(live, payload).status_code == 202

    stuck = _wait_for(lambda: _health(live, 503), 4, "/health to say unhealthy")
    assert stuck["status"] == "unhealthy"
    assert stuck["worker"] == {"threads": 1, "threads_alive": 1}
    assert stuck["queue"]["pending"] == 2
    assert stuck["queue"]["longest_wait_seconds"] > 1.0
    recovered = _wait_for(lambda: _health(live, 200), 10, "/health to recover")
    assert recovered["queue"]["longest_wait_seconds"] <= 1.0  # the second event is under way
    _wait_for(
        lambda: (h := _health(live, 200)) and h["queue"]["pending"] == 0, 10, "the second event"
    )

    live.app.extensions[WORKER_EXTENSION].stop()  # no delivery thread left
    gone = live.get("/health")
    assert gone.status_code == 503
    assert gone.json()["worker"] == {"threads": 1, "threads_alive": 0}
    assert "connect_worker_threads_alive 0.0" in live.get("/metrics").text


def test_health_has_no_worker_checks_when_the_worker_cannot_deliver(
    make_live_app: Callable[..., LiveApp], sqlite_url: str
) -> None:
    live = make_live_app(sqlite_url, connect_worker="on")  # no Slack credentials
    try:
        assert live.get("/health").json() == {
            "status": "healthy",
            "service": "connect",
            "database": "connected",
        }
    finally:
        live.app.extensions[WORKER_EXTENSION].stop()


# Under gunicorn: Prometheus multiprocess mode ------------------------------------------

ROOT = Path(__file__).resolve().parent.parent
REQUESTS_LINE = re.compile(
    r'^connect_http_requests_total\{method="GET",route="/health",status="200"\} (\S+)$',
    re.MULTILINE,
)


def _gunicorn_env(database_url: str, metrics_dir: Path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("CONNECT_", "SLACK_", "JIRA_", "GITHUB_", "PROMETHEUS_"))
        and k != "DATABASE_URL"
    }
    return env | {
        "DATABASE_URL": database_url,
        "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir),
        "CONNECT_LOG_LEVEL": "WARNING",
        "CONNECT_WORKER_THREADS": "3",
    }


def _worker_pids(metrics_dir: Path) -> set[int]:
    """The gunicorn workers that have recorded an HTTP request (one counter file each)."""
    return {int(p.stem.rsplit("_", 1)[1]) for p in metrics_dir.glob("counter_*.db")}


def _scrape(base: str) -> str:
    return requests.get(base + "/metrics", timeout=5).text


@pytest.mark.slow
def test_metrics_under_gunicorn_cover_every_worker_process(sqlite_url: str, tmp_path: Path) -> None:
    metrics_dir = tmp_path / "metrics"
    metrics_dir.mkdir()
    (metrics_dir / "counter_999999.db").write_bytes(b"stale")  # an earlier run's: removed
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    command = [
        sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"),
        "--workers", "2", "--worker-class", "gthread", "--threads", "4",
        "--bind", f"127.0.0.1:{port}", "app:create_app()",
    ]  # fmt: skip
    server = subprocess.Popen(command, cwd=ROOT, env=_gunicorn_env(sqlite_url, metrics_dir))
    try:
        _wait_for(lambda: _answers(base), 60, "gunicorn to serve")
        sent = 0
        while len(_worker_pids(metrics_dir)) < 2:  # until both processes served some
            assert requests.get(base + "/health", timeout=5).status_code == 200
            sent += 1
            assert sent < 500, "one gunicorn worker took every request"
        assert not (metrics_dir / "counter_999999.db").exists()
        counts = set()
        for _ in range(6):  # whichever process answers, it tells the service's counts
            text = _scrape(base)
            counts.update(REQUESTS_LINE.findall(text))
            assert "connect_worker_threads_alive 6.0" in text  # 2 processes x 3 threads
            assert 'connect_queue_depth{target="slack"} 0.0' in text
        # the same on every scrape: both processes' requests added up (+ the start-up probe)
        assert counts == {f"{float(sent + 1)}"}
        [total] = counts

        killed = min(_worker_pids(metrics_dir))
        os.kill(killed, signal.SIGKILL)  # gunicorn starts another worker process
        _wait_for(lambda: _answers(base), 30, "gunicorn to serve again")
        text = _wait_for(
            lambda: next((t for t in [_scrape(base)] if "threads_alive 6.0" in t), None),
            60,
            "the replacement worker's threads, and none of the killed one's",
        )
        [counted] = REQUESTS_LINE.findall(text)
        assert float(counted) >= float(total)  # the killed process's requests still count
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    assert server.returncode == 0


def _answers(base: str) -> bool:
    try:
        # a long timeout: a probe queued until a worker process is up must not time out and
        # be counted later, behind the test's back
        return requests.get(base + "/health", timeout=30).status_code == 200
    except requests.ConnectionError:  # not listening yet
        return False
