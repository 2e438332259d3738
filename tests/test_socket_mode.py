"""Socket Mode: the same listeners over the fake Slack's real WebSocket, with the real
slack_sdk Socket Mode client, in the process that serves HTTP; `/health` follows the socket."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import requests

from bot.socket_mode import SocketModeRunner, start_socket_mode
from playground.fakes.jira import FakeJira
from playground.fakes.slack import FakeSlack
from storage.domain import MappingType, slack_ref
from tests.support.live import LiveApp
from tests.support.slack import (
    SIGNING_SECRET,
    SlackSender,
    TicketEnv,
    modal_values,
    settle,
    start_ticket_env,
    wait_for,
)
from tests.test_process import ROOT, clean_env, free_port


@pytest.fixture
def connected(
    make_live_app: Callable[..., LiveApp],
    sqlite_url: str,
    fake_slack: FakeSlack,
    fake_jira: FakeJira,
) -> Iterator[tuple[TicketEnv, SocketModeRunner]]:
    env = start_ticket_env(
        make_live_app,
        sqlite_url,
        fake_slack,
        fake_jira,
        slack_app_token=fake_slack.app_token,
        jira_default_project="PROJ",
    )
    runner = start_socket_mode(env.live.runtime, ping_interval=0.2)
    assert runner is not None
    fake_slack.socket.wait_for_clients(1)
    # the client counts as connected once Slack's `hello` arrives, just after the socket opens
    assert runner.wait_connected(10)
    yield env, runner
    runner.stop()


def test_no_app_token_means_no_socket_mode(
    make_live_app: Callable[..., LiveApp],
    sqlite_url: str,
    fake_slack: FakeSlack,
    fake_jira: FakeJira,
) -> None:
    env = start_ticket_env(make_live_app, sqlite_url, fake_slack, fake_jira)
    assert start_socket_mode(env.live.runtime) is None
    assert "socket_mode" not in env.live.get("/health").json()


def test_commands_over_socket_mode_use_the_same_listeners(
    connected: tuple[TicketEnv, SocketModeRunner],
) -> None:
    env, _ = connected
    [opened] = env.slack.calls("apps.connections.open")
    assert opened.header("Authorization") == f"Bearer {env.slack.app_token}"
    health = env.live.get("/health")
    assert health.status_code == 200
    assert health.json()["socket_mode"] == "connected"

    envelope = env.slack.send_envelope("slash_commands", env.slack.slash_command_payload("help"))
    ack = env.slack.wait_for_ack(envelope)
    assert ack.payload is not None
    assert ack.payload["response_type"] == "ephemeral"
    assert ack.payload["text"].startswith("*`/ticket`* creates Jira issues from Slack.")

    env.slack.wait_for_ack(
        env.slack.send_envelope(
            "slash_commands", env.slack.slash_command_payload("Over the socket")
        )
    )
    assert wait_for(lambda: env.jira.issues.get("PROJ-1")).summary == "Over the socket"
    card = wait_for(lambda: env.slack.posted)[0]
    assert card.text == "<@U0ALICE> created PROJ-1: Over the socket"


def test_shortcut_and_invalid_submission_over_socket_mode(
    connected: tuple[TicketEnv, SocketModeRunner],
) -> None:
    env, _ = connected
    message = env.slack.add_message("C0GENERAL", "Crash on save")
    payload = env.slack.message_shortcut_payload("C0GENERAL", message.ts)
    env.slack.wait_for_ack(env.slack.send_envelope("interactive", payload))
    view = wait_for(lambda: env.slack.views_opened and env.slack.views_opened[-1])
    submission = env.slack.view_submission_payload(view["id"], modal_values(summary=" "))
    ack = env.slack.wait_for_ack(env.slack.send_envelope("interactive", submission))
    assert ack.payload == {
        "response_action": "errors",
        "errors": {"project": "Choose a project.", "summary": "Enter a summary."},
    }


def test_thread_reply_event_and_its_retry_over_socket_mode(
    connected: tuple[TicketEnv, SocketModeRunner],
) -> None:
    env, _ = connected
    env.jira.create_issue("PROJ", "Linked")
    root = env.slack.add_message("C0GENERAL", "Linked")
    env.repos.mappings.link(
        MappingType.ISSUE_THREAD, "jira", "PROJ-1", "slack", slack_ref("C0GENERAL", root.ts)
    )
    reply = env.slack.add_message("C0GENERAL", "over the socket", thread_ts=root.ts)
    event = env.slack.message_event_payload(reply)
    env.slack.wait_for_ack(env.slack.send_envelope("events_api", event))
    wait_for(lambda: env.jira.comments("PROJ-1"))
    env.slack.wait_for_ack(
        env.slack.send_envelope("events_api", event, retry_attempt=1, retry_reason="timeout")
    )
    settle(lambda: len(env.jira.comments("PROJ-1")) > 1)
    assert env.jira.comments("PROJ-1")[0].text.startswith("alice via Slack: over the socket")


def test_health_reports_a_dropped_connection_until_it_is_back(
    connected: tuple[TicketEnv, SocketModeRunner],
) -> None:
    env, runner = connected
    env.slack.api_error("apps.connections.open", "internal_error", times=None)
    env.slack.disconnect_all()

    down = wait_for(
        lambda: (r := env.live.get("/health")).status_code == 503 and r.json(), what="unhealthy"
    )
    assert down["status"] == "unhealthy"
    assert down["socket_mode"] == "disconnected"
    assert down["database"] == "connected"

    env.slack.clear_faults()
    assert runner.wait_connected(10)
    up = wait_for(
        lambda: (r := env.live.get("/health")).status_code == 200 and r.json(), what="healthy"
    )
    assert up["socket_mode"] == "connected"
    # and it still delivers
    envelope = env.slack.send_envelope("slash_commands", env.slack.slash_command_payload("help"))
    assert env.slack.wait_for_ack(envelope).payload is not None


def test_slack_down_at_start_keeps_http_serving_and_connects_later(
    make_live_app: Callable[..., LiveApp],
    sqlite_url: str,
    fake_slack: FakeSlack,
    fake_jira: FakeJira,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("bot.socket_mode.FIRST_RETRY_SECONDS", 0.1)
    env = start_ticket_env(
        make_live_app, sqlite_url, fake_slack, fake_jira, slack_app_token=fake_slack.app_token
    )
    fake_slack.api_error("apps.connections.open", "internal_error", times=2)
    runner = start_socket_mode(env.live.runtime, ping_interval=0.2)
    assert runner is not None
    try:
        starting = env.live.get("/health")
        assert starting.status_code == 503
        assert starting.json()["socket_mode"] == "connecting"
        assert env.send.command("help")[0].status_code == 200  # HTTP mode works meanwhile
        assert runner.wait_connected(10)
        assert env.live.get("/health").status_code == 200
    finally:
        runner.stop()


def test_python_app_py_serves_http_and_socket_mode_in_one_process(
    tmp_path: Path, fake_slack: FakeSlack, fake_jira: FakeJira
) -> None:
    """`python app.py` with SLACK_APP_TOKEN: HTTP routes and Socket Mode, same listeners."""
    port = free_port()
    env = clean_env(
        CONNECT_HOST="127.0.0.1",
        CONNECT_PORT=str(port),
        CONNECT_WORKER="off",
        DATABASE_URL=f"sqlite:///{tmp_path / 'connect.db'}",
        SLACK_BOT_TOKEN=fake_slack.bot_token,
        SLACK_APP_TOKEN=fake_slack.app_token,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=fake_slack.api_url,
        JIRA_BASE_URL=fake_jira.url,
        JIRA_EMAIL=fake_jira.email,
        JIRA_API_TOKEN=fake_jira.api_token,
    )
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "app.py")],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        health = wait_for(lambda: _health(base, process), timeout=30, what="python app.py")
        fake_slack.socket.wait_for_clients(1, timeout=10)
        health = wait_for(lambda: (h := _health(base, process)) and h["status"] == "healthy" and h)
        assert health["socket_mode"] == "connected"
        envelope = fake_slack.send_envelope(
            "slash_commands", fake_slack.slash_command_payload("help")
        )
        ack = fake_slack.wait_for_ack(envelope)
        assert ack.payload is not None
        assert ack.payload["text"].startswith("*`/ticket`* creates Jira issues from Slack.")
        http = SlackSender(base, fake_slack).command("help")[0]
        assert http.json()["text"] == ack.payload["text"]
    finally:
        process.terminate()
        output = process.communicate(timeout=15)[0]
    assert "socket_mode.connected" in output
    assert fake_slack.app_token not in output
    assert fake_jira.api_token not in output


def _health(base: str, process: subprocess.Popen[str]) -> dict | None:
    assert process.poll() is None, process.communicate()[0]
    try:
        return requests.get(base + "/health", timeout=1).json()
    except requests.ConnectionError:
        return None
