"""Jira down or slow while creating an issue: the user is told, the request is kept as a
failed integration with a replayable payload, and the slack → jira handler replays it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from slack_sdk import WebClient

from integrations.delivery import Done, Fail
from integrations.delivery.worker import WorkerConfig
from integrations.routes import handler_for
from storage.domain import Integration, MappingType, Status
from tests.support.slack import TicketEnv, settle, wait_for
from tests.support.workers import replay_context, worker_for

MakeEnv = Callable[..., TicketEnv]


@pytest.fixture
def make_env(make_ticket_env: Callable[..., TicketEnv]) -> MakeEnv:
    def make(**overrides: Any) -> TicketEnv:
        return make_ticket_env(**{"jira_default_project": "PROJ", **overrides})

    return make


def finished(env: TicketEnv, status: Status) -> Integration:
    return wait_for(
        lambda: next((i for i in env.integrations() if i.status is status), None),
        what=f"a {status.value} integration",
    )


def replay(env: TicketEnv, event: Integration) -> Done:
    """Run the slack → jira delivery handler on a stored event, as the worker would."""
    handler = handler_for("slack", "jira")
    assert handler is not None
    return handler(event, replay_context(env.live.runtime.container, event))


def test_jira_down_tells_the_user_and_keeps_the_request(make_env: MakeEnv) -> None:
    env = make_env()
    env.jira.fail("POST /rest/api/2/issue", status=503, times=None)
    _, command = env.send.command("Printer on fire")

    failed = finished(env, Status.FAILED)
    assert failed.error_message == "Jira failed (503): Service Unavailable"
    assert failed.target_id is None
    assert failed.payload["request"] == {
        "origin": "command",
        "user_id": "U0ALICE",
        "channel_id": "C0GENERAL",
        "thread_ts": None,
        "message_ts": None,
        "message_author_id": None,
        "permalink": None,
        "project": "PROJ",
        "issue_type_id": env.jira.projects["PROJ"].issue_types[0].id,
        "summary": "Printer on fire",
        "description": "",
        "priority_id": None,
        "assignee_user_id": None,
        "labels": [],
        "custom_fields": {},
        "user_fields": {},
        "rich_fields": {},
        "reporter_field": False,
    }
    [told] = wait_for(lambda: env.slack.response_posts(command["response_url"]))
    assert told.response_type == "ephemeral"
    assert told.text == (
        ":warning: I couldn't create the Jira issue “Printer on fire” in PROJ: "
        "Jira failed (503): Service Unavailable.\n"
        f"Nothing is lost: your request is kept as integration #{failed.id}, and an admin can "
        f"replay it (`POST /api/v1/integrations/{failed.id}/retry`)."
    )
    detail = env.live.get(f"/api/v1/integrations/{failed.id}").json()
    assert detail["status"] == "failed"
    assert [(a["number"], a["outcome"], a["error"]) for a in detail["attempt_log"]] == [
        (1, "failed", "Jira failed (503): Service Unavailable")
    ]
    assert env.slack.posted == []

    # Jira is back; the admin re-queues it and the handler replays it.
    env.jira.clear_faults()
    retried = env.live.post(f"/api/v1/integrations/{failed.id}/retry")
    assert retried.status_code == 202
    assert retried.json()["status"] == "pending"
    pending = env.repos.integrations.get(failed.id)
    assert pending is not None
    assert replay(env, pending) == Done(target_id="PROJ-1")
    assert env.jira.issues["PROJ-1"].summary == "Printer on fire"
    card = env.slack.posted[0]
    assert card.text == "<@U0ALICE> created PROJ-1: Printer on fire"
    [thread] = env.mappings(MappingType.ISSUE_THREAD)
    assert thread.target_id == f"C0GENERAL:{card.ts}"


def test_jira_timeout_says_the_issue_may_exist(
    make_env: MakeEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("integrations.container.WORK_TIMEOUT", 0.5)
    env = make_env()
    env.jira.slow_after_apply("POST /rest/api/2/issue", 3.0)
    _, command = env.send.command("Slow one")
    failed = finished(env, Status.FAILED)
    assert failed.error_message == "Jira did not answer within 0.5 s"
    told = wait_for(lambda: env.slack.response_posts(command["response_url"]))[0]
    assert "Jira may have created it anyway: look in the project before a retry." in told.text
    assert "PROJ-1" in env.jira.issues  # it did: Jira applied it, the answer came too late


@pytest.mark.slow
def test_slow_jira_on_submission_still_creates(make_env: MakeEnv) -> None:
    env = make_env()
    env.jira.delay("POST /rest/api/2/issue", 1.0)
    env.send.command("Patience")
    finished(env, Status.COMPLETED)
    assert env.jira.issues["PROJ-1"].summary == "Patience"


def test_jira_rejection_is_reported_in_jiras_words(make_env: MakeEnv) -> None:
    env = make_env()
    env.jira.fail(
        "POST /rest/api/2/issue",
        status=400,
        body={"errorMessages": [], "errors": {"summary": "Summary is not allowed today."}},
    )
    _, command = env.send.command("Rejected")
    failed = finished(env, Status.FAILED)
    assert failed.error_message == (
        "Jira rejected the request (400): summary: Summary is not allowed today."
    )
    told = wait_for(lambda: env.slack.response_posts(command["response_url"]))[0]
    assert told.text.startswith(
        ":warning: I couldn't create the Jira issue “Rejected” in PROJ: "
        "Jira rejected the request (400): summary: Summary is not allowed today."
    )


def test_replaying_a_rejected_request_fails_again_without_a_second_issue(
    make_env: MakeEnv,
) -> None:
    env = make_env()
    env.jira.fail("POST /rest/api/2/issue", status=400, times=None)
    env.send.command("Never")
    failed = finished(env, Status.FAILED)
    with pytest.raises(Fail, match=r"Jira rejected the request \(400\)"):
        replay(env, failed)
    assert env.jira.issues == {}


def test_slack_down_after_creation_keeps_the_key_and_replay_only_announces(
    make_env: MakeEnv,
) -> None:
    env = make_env()
    env.slack.api_error("chat.postMessage", "internal_error")
    env.send.command("Created, not announced")
    event = wait_for(
        lambda: next(
            (i for i in env.integrations() if i.error_message and i.target_id == "PROJ-1"), None
        ),
        what="the row to keep PROJ-1",
    )
    assert event.status is Status.PENDING
    assert event.error_message is not None
    assert event.error_message.startswith("issue created; announcing it failed: ")
    assert env.slack.posted == []

    assert replay(env, event) == Done(target_id="PROJ-1")
    assert list(env.jira.issues) == ["PROJ-1"]
    assert env.slack.posted[0].text == "<@U0ALICE> created PROJ-1: Created, not announced"
    # A second replay (say, after a lost acknowledgement) announces nothing more.
    assert replay(env, event) == Done(target_id="PROJ-1")
    assert len(env.slack.posted) == 1


def test_bot_not_in_the_channel_announces_by_dm(make_env: MakeEnv) -> None:
    env = make_env()
    env.slack.add_channel("C0PRIVATE", "private", members=["U0ALICE"], is_member=False)
    env.send.command("From a channel the bot is not in", channel="C0PRIVATE")
    finished(env, Status.COMPLETED)
    dm = wait_for(lambda: env.slack.posted)[0]
    assert dm.channel == "D0ALICE"
    assert dm.text == "<@U0ALICE> created PROJ-1: From a channel the bot is not in"
    assert env.mappings(MappingType.ISSUE_THREAD) == []


def test_worker_replays_a_requeued_creation(make_env: MakeEnv) -> None:
    env = make_env()
    env.jira.fail("POST /rest/api/2/issue", status=503, times=None)
    env.send.command("Via the worker")
    failed = finished(env, Status.FAILED)
    env.jira.clear_faults()
    worker = worker_for(
        env.live.runtime.settings,
        env.repos,
        config=WorkerConfig(threads=1, poll_seconds=0.05),
        slack=WebClient(token=env.slack.bot_token, base_url=env.slack.api_url),
    )
    assert ("slack", "jira") in worker.routes()
    env.live.post(f"/api/v1/integrations/{failed.id}/retry")
    assert worker.run_until_idle() == 1
    done = env.repos.integrations.get(failed.id)
    assert done is not None
    assert (done.status, done.target_id) == (Status.COMPLETED, "PROJ-1")
    assert env.slack.posted[0].text == "<@U0ALICE> created PROJ-1: Via the worker"
    settle(lambda: worker.run_until_idle())
