"""Clean shutdown of real processes: `python app.py worker`, `python app.py` and gunicorn.

SIGTERM or SIGINT with deliveries in flight (a slow fake Slack): the process takes no new
event, lets the deliveries finish or releases them within CONNECT_SHUTDOWN_GRACE_SECONDS, and
exits 0 without a traceback; a released event is delivered, once, by the next worker. A
second signal during the shutdown exits at once, still 0 and without a traceback; the same
signal twice at once (a process group and `make` forwarding it) is one request. The measured
shutdown times are printed (`pytest -s`).
"""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from playground.fakes.slack import FakeSlack
from storage import Database, Repositories
from storage.domain import MappingType, slack_ref
from tests.support.live import LiveApp
from tests.support.webhooks import JIRA_SECRET, jira_payload, post_jira, signature
from tests.test_delivery_processes import (
    CHANNEL,
    _comment,
    intake,  # noqa: F401 - the fixture
    link_thread,
    wait_for,
    worker_env,
)
from tests.test_delivery_recovery import production_env

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.slow


@dataclass
class Running:
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def signal_and_time(self, *signums: signal.Signals, gap: float = 0.0) -> float:
        """Send the signals (`gap` seconds apart); seconds from the first until it exits."""
        started = time.monotonic()
        for index, signum in enumerate(signums):
            if index:
                time.sleep(gap)
            self.process.send_signal(signum)
        self.process.wait(60)
        return time.monotonic() - started

    def assert_clean_exit(self) -> None:
        assert self.process.returncode == 0, self.output
        assert "Traceback" not in self.output, self.output
        assert "Error" not in self.output.replace("delivery.release_error", ""), self.output


@pytest.fixture
def run(tmp_path: Path) -> Iterator[Callable[..., Running]]:
    """`run(args, env)`: a process of the service, its output (both streams) in a file."""
    started: list[Running] = []

    def start(args: list[str], env: dict[str, str]) -> Running:
        log = tmp_path / f"process-{len(started)}.log"
        with log.open("wb") as out:
            process = subprocess.Popen(
                args, cwd=tmp_path, env=env, stdout=out, stderr=subprocess.STDOUT
            )
        running = Running(process, log)
        started.append(running)
        return running

    yield start
    for running in started:
        if running.process.poll() is None:
            running.process.kill()
            running.process.wait()


def logged(env: dict[str, str], **extra: str) -> dict[str, str]:
    return env | {"CONNECT_LOG_LEVEL": "INFO"} | extra


def app_command(*args: str) -> list[str]:
    return [sys.executable, str(ROOT / "app.py"), *args]


def posts_seen(fake: FakeSlack, count: int) -> Callable[[], bool]:
    return lambda: len(fake.calls("chat.postMessage")) >= count


def status_of(live: LiveApp, event_id: int) -> str:
    event = live.runtime.repos.integrations.get(event_id)
    assert event is not None
    return event.status.value


def send_comments(live: LiveApp, fake: FakeSlack, keys: list[str]) -> dict[str, tuple[str, int]]:
    """One comment per issue, each into its own thread: key -> (thread ts, event id)."""
    template = jira_payload("cloud-comment-created")
    sent = {}
    for key in keys:
        root = link_thread(live, fake, key)
        response = post_jira(live, _comment(template, key, 0))
        assert response.status_code == 202, response.text
        sent[key] = (root, response.json()["integration_id"])
    return sent


# python app.py worker ---------------------------------------------------------------------


def test_sigterm_lets_the_deliveries_in_flight_finish_and_takes_no_new_event(
    intake: Callable[[str], LiveApp],  # noqa: F811
    sqlite_url: str,
    fake_slack: FakeSlack,
    run: Callable[..., Running],
) -> None:
    live = intake(sqlite_url)
    fake_slack.delay("chat.postMessage", 3.0, times=3)  # slow, within the client's timeout
    sent = send_comments(live, fake_slack, ["SHUT-1", "SHUT-2", "SHUT-3"])
    worker = run(app_command("worker"), logged(production_env(sqlite_url, fake_slack)))
    wait_for(posts_seen(fake_slack, 3), 30, "three deliveries in flight")

    signalled = time.monotonic()
    worker.process.send_signal(signal.SIGTERM)
    [(late_root, late)] = send_comments(live, fake_slack, ["SHUT-4"]).values()
    worker.process.wait(30)
    seconds = time.monotonic() - signalled
    print(f"\nshutdown, `app.py worker`, 3 deliveries finishing in flight: {seconds:.1f}s")

    worker.assert_clean_exit()
    assert seconds < 10  # the default grace
    assert "shutdown.done" in worker.output
    for root, event_id in sent.values():
        assert status_of(live, event_id) == "completed"
        assert len(fake_slack.replies(CHANNEL, root)) == 1
    assert status_of(live, late) == "pending"  # not taken after the signal
    assert live.runtime.repos.integrations.attempts(late) == ()
    assert fake_slack.replies(CHANNEL, late_root) == []


def test_a_delivery_that_cannot_finish_in_the_grace_is_released_to_the_next_worker(
    intake: Callable[[str], LiveApp],  # noqa: F811
    sqlite_url: str,
    fake_slack: FakeSlack,
    run: Callable[..., Running],
) -> None:
    live = intake(sqlite_url)
    fake_slack.slow_after_apply("chat.postMessage", 60)  # posted; the answer never comes
    [(root, event_id)] = send_comments(live, fake_slack, ["SHUT-5"]).values()
    env = logged(production_env(sqlite_url, fake_slack), CONNECT_SHUTDOWN_GRACE_SECONDS="3")
    worker = run(app_command("worker"), env)
    wait_for(posts_seen(fake_slack, 1), 30, "the delivery in flight")

    seconds = worker.signal_and_time(signal.SIGTERM)
    print(f"\nshutdown, `app.py worker`, delivery released after a 3 s grace: {seconds:.1f}s")
    worker.assert_clean_exit()
    assert seconds < 3 + 3
    assert "released_deliveries=1" in worker.output
    assert status_of(live, event_id) == "pending"

    following = run(app_command("worker"), env)
    wait_for(lambda: status_of(live, event_id) == "completed", 40, "the next worker")
    assert len(fake_slack.replies(CHANNEL, root)) == 1  # the landed post was found, not redone
    assert len(fake_slack.calls("chat.postMessage")) == 1
    outcomes = [a.outcome for a in live.runtime.repos.integrations.attempts(event_id)]
    assert outcomes == ["abandoned", "completed"]
    following.signal_and_time(signal.SIGINT)
    following.assert_clean_exit()


def test_a_second_signal_during_the_shutdown_exits_at_once(
    intake: Callable[[str], LiveApp],  # noqa: F811
    sqlite_url: str,
    fake_slack: FakeSlack,
    run: Callable[..., Running],
) -> None:
    live = intake(sqlite_url)
    fake_slack.slow_after_apply("chat.postMessage", 60)
    [(root, event_id)] = send_comments(live, fake_slack, ["SHUT-6"]).values()
    env = production_env(sqlite_url, fake_slack)
    worker = run(app_command("worker"), env)
    wait_for(posts_seen(fake_slack, 1), 30, "the delivery in flight")

    seconds = worker.signal_and_time(signal.SIGTERM, signal.SIGTERM, gap=1.5)
    print(f"\nshutdown, second SIGTERM 1.5 s after the first: exited {seconds - 1.5:.2f}s after it")
    worker.assert_clean_exit()
    assert seconds < 1.5 + 2  # not the 10 s grace
    assert "SIGTERM during shutdown: exiting now" in worker.output

    following = run(app_command("worker"), env)  # finds its dead predecessor's lease
    wait_for(lambda: status_of(live, event_id) == "completed", 40, "the next worker")
    assert len(fake_slack.replies(CHANNEL, root)) == 1
    following.signal_and_time(signal.SIGTERM)
    following.assert_clean_exit()


def test_the_same_signal_twice_at_once_is_one_graceful_request(
    intake: Callable[[str], LiveApp],  # noqa: F811
    sqlite_url: str,
    fake_slack: FakeSlack,
    run: Callable[..., Running],
) -> None:
    live = intake(sqlite_url)
    fake_slack.delay("chat.postMessage", 2.0)
    [(root, event_id)] = send_comments(live, fake_slack, ["SHUT-7"]).values()
    worker = run(app_command("worker"), logged(worker_env(sqlite_url, fake_slack)))
    wait_for(posts_seen(fake_slack, 1), 30, "the delivery in flight")

    worker.signal_and_time(signal.SIGTERM, signal.SIGTERM)  # as `make` and the group send it
    worker.assert_clean_exit()
    assert "exiting now" not in worker.output
    assert status_of(live, event_id) == "completed"
    assert len(fake_slack.replies(CHANNEL, root)) == 1


# python app.py and gunicorn -----------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serving_env(database_url: str, fake: FakeSlack, port: int) -> dict[str, str]:
    return production_env(database_url, fake) | {
        "CONNECT_HOST": "127.0.0.1",
        "CONNECT_PORT": str(port),
        "CONNECT_LOG_LEVEL": "INFO",
        "SLACK_SIGNING_SECRET": "signing-secret",
        "JIRA_WEBHOOK_SECRET": JIRA_SECRET,
    }


def wait_up(url: str, running: Running) -> None:
    def up() -> bool:
        assert running.process.poll() is None, running.output
        try:
            return requests.get(url + "/health", timeout=2).status_code == 200
        except requests.RequestException:  # not listening yet, or still booting
            return False

    wait_for(up, 60, "the service to come up")


def send_to(url: str, key: str) -> int:
    body = json.dumps(_comment(jira_payload("cloud-comment-created"), key, 0)).encode()
    response = requests.post(
        url + "/webhooks/jira",
        data=body,
        headers={
            "Content-Type": "application/json",
            "X-Hub-Signature": signature(JIRA_SECRET, body),
        },
        timeout=10,
    )
    assert response.status_code == 202, response.text
    return response.json()["integration_id"]


def test_sigint_stops_python_app_py_cleanly_with_a_delivery_in_flight(
    sqlite_url: str, fake_slack: FakeSlack, run: Callable[..., Running]
) -> None:
    repos = Repositories.on(Database(sqlite_url))
    root = fake_slack.add_message(CHANNEL, "about SHUT-8").ts
    repos.mappings.link(
        MappingType.ISSUE_THREAD, "jira", "SHUT-8", "slack", slack_ref(CHANNEL, root)
    )
    port = free_port()
    service = run(app_command(), serving_env(sqlite_url, fake_slack, port))
    url = f"http://127.0.0.1:{port}"
    wait_up(url, service)
    fake_slack.delay("chat.postMessage", 3.0)
    event_id = send_to(url, "SHUT-8")
    wait_for(posts_seen(fake_slack, 1), 30, "the delivery in flight")

    seconds = service.signal_and_time(signal.SIGINT)
    print(f"\nshutdown, `app.py` (HTTP + worker), delivery finishing in flight: {seconds:.1f}s")
    service.assert_clean_exit()
    assert seconds < 10
    assert "http.stopping" in service.output
    event = repos.integrations.get(event_id)
    assert event is not None
    assert event.status.value == "completed"
    assert len(fake_slack.replies(CHANNEL, root)) == 1
    repos.db.dispose()


def test_gunicorn_stops_its_delivery_threads_within_the_grace(
    sqlite_url: str, fake_slack: FakeSlack, run: Callable[..., Running]
) -> None:
    repos = Repositories.on(Database(sqlite_url))
    root = fake_slack.add_message(CHANNEL, "about SHUT-9").ts
    repos.mappings.link(
        MappingType.ISSUE_THREAD, "jira", "SHUT-9", "slack", slack_ref(CHANNEL, root)
    )
    port = free_port()
    env = serving_env(sqlite_url, fake_slack, port) | {
        "CONNECT_SHUTDOWN_GRACE_SECONDS": "3",
        "PYTHONPATH": str(ROOT),
    }
    command = [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py")]
    command += ["--workers", "1", "--worker-class", "gthread", "--threads", "4"]
    service = run([*command, "--bind", f"127.0.0.1:{port}", "app:create_app()"], env)
    url = f"http://127.0.0.1:{port}"
    wait_up(url, service)
    fake_slack.slow_after_apply("chat.postMessage", 60)  # cannot finish in the grace
    event_id = send_to(url, "SHUT-9")
    wait_for(posts_seen(fake_slack, 1), 30, "the delivery in flight")

    seconds = service.signal_and_time(signal.SIGTERM)
    print(f"\nshutdown, gunicorn, delivery released after a 3 s grace: {seconds:.1f}s")
    service.assert_clean_exit()
    assert seconds < 3 + 5
    assert "released_deliveries=1" in service.output

    following = run(app_command("worker"), production_env(sqlite_url, fake_slack))
    wait_for(
        lambda: repos.integrations.get(event_id).status.value == "completed",  # type: ignore[union-attr]
        40,
        "the next worker",
    )
    assert len(fake_slack.replies(CHANNEL, root)) == 1
    following.signal_and_time(signal.SIGTERM)
    following.assert_clean_exit()
    repos.db.dispose()
