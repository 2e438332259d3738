"""Socket Mode: the same listeners over the fake Slack's real WebSocket, with the real
slack_sdk Socket Mode client, in the process that serves HTTP; `/health` follows the socket."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from bot.socket_mode import SocketModeRunner, start_socket_mode
from storage.domain import MappingType, slack_ref
from tests.fakes.jira import FakeJira
from tests.fakes.slack import FakeSlack
from tests.support.live import LiveApp
from tests.support.slack import TicketEnv, modal_values, settle, start_ticket_env, wait_for


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
