"""Replies in a Slack thread linked to a Jira issue become Jira comments (signed Events API
requests): humans only, edits update, deletions delete, retries never duplicate."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from slack_sdk import WebClient

from integrations.delivery import Done
from integrations.delivery.worker import WorkerConfig
from integrations.routes import handler_for
from playground.fakes import slack_payloads as payloads
from playground.fakes.jira import FakeJira
from playground.fakes.slack import FakeSlack
from playground.fakes.slack_models import Message
from storage.domain import Integration, MappingType, Status, slack_ref
from tests.support.live import LiveApp
from tests.support.slack import TicketEnv, initial_state, settle, start_ticket_env, wait_for
from tests.support.workers import replay_context, worker_for

MakeEnv = Callable[..., TicketEnv]


def linked_thread(env: TicketEnv, channel: str = "C0GENERAL") -> Message:
    """A Slack thread linked to the Jira issue PROJ-1, as the shortcut leaves it."""
    env.jira.create_issue("PROJ", "Checkout is slow")
    root = env.slack.add_message(channel, "Checkout is slow")
    env.repos.mappings.link(
        MappingType.ISSUE_THREAD, "jira", "PROJ-1", "slack", slack_ref(channel, root.ts)
    )
    return root


def permalink(message: Message) -> str:
    return (
        f"https://connect-test.slack.com/archives/{message.channel}/p{message.ts.replace('.', '')}"
        f"?thread_ts={message.thread_ts}&cid={message.channel}"
    )


def comments(env: TicketEnv) -> list[str]:
    return [c.text for c in env.jira.comments("PROJ-1")]


def comment_body(name: str, text: str, message: Message) -> str:
    """A mirrored message as Jira wiki markup (REST v2)."""
    return f"{name} via Slack: {text}\n\n[View in Slack|{permalink(message)}]"


def done(env: TicketEnv, count: int = 1) -> list[Integration]:
    return wait_for(
        lambda: (
            len(found := [i for i in env.integrations() if i.status is not Status.PENDING]) >= count
            and found
        ),
        what=f"{count} finished integration(s)",
    )


@pytest.fixture
def make_env(make_ticket_env: Callable[..., TicketEnv]) -> MakeEnv:
    def make(**overrides: Any) -> TicketEnv:
        return make_ticket_env(**overrides)

    return make


@pytest.fixture
def env(make_env: MakeEnv) -> TicketEnv:
    return make_env()


def test_a_human_reply_becomes_a_comment(env: TicketEnv) -> None:
    root = linked_thread(env)
    reply = env.slack.add_message(
        "C0GENERAL", "Looks *fine* to <@U0BOB> &amp; me", thread_ts=root.ts
    )
    response, payload = env.send.message(reply)
    assert response.status_code == 200

    [logged] = done(env)
    assert logged.status is Status.COMPLETED
    assert logged.event_type == "slack:comment"
    assert logged.delivery_key == payload["event_id"]
    assert logged.source_id == slack_ref("C0GENERAL", reply.ts)
    assert logged.target_id == "PROJ-1/10001"
    assert logged.payload == {
        "comment": {
            "action": "add",
            "issue_key": "PROJ-1",
            "message": {"channel_id": "C0GENERAL", "ts": reply.ts, "thread_ts": root.ts},
            "user_id": "U0ALICE",
            "text": "Looks *fine* to <@U0BOB> &amp; me",
            "event_id": payload["event_id"],
        }
    }
    bob = env.jira.user_by_email("bob@example.com")
    assert bob is not None
    assert env.jira.comments("PROJ-1")[0].body == (
        f"alice via Slack: Looks *fine* to [~accountid:{bob.account_id}] & me\n\n"
        f"[View in Slack|{permalink(reply)}]"
    )
    [mapping] = env.mappings(MappingType.COMMENT_MESSAGE)
    assert (mapping.source_service, mapping.source_id) == ("jira", "PROJ-1/10001")
    assert (mapping.target_service, mapping.target_id) == (
        "slack",
        slack_ref("C0GENERAL", reply.ts),
    )
    assert mapping.extra_data == {"origin": "slack"}


def test_a_slack_retry_never_makes_a_second_comment(env: TicketEnv) -> None:
    root = linked_thread(env)
    reply = env.slack.add_message("C0GENERAL", "Once only", thread_ts=root.ts)
    _, payload = env.send.message(reply)
    done(env)
    retried = env.send.event(payload, retry_num=1)
    assert retried.status_code == 200
    again = env.send.event(payload, retry_num=2)
    assert again.status_code == 200
    settle(lambda: len(env.jira.comments("PROJ-1")) > 1)
    assert len(env.integrations()) == 1
    assert len(env.jira.calls("POST /rest/api/2/issue/PROJ-1/comment")) == 1


def test_a_retry_while_the_first_delivery_is_in_flight_is_a_duplicate(env: TicketEnv) -> None:
    root = linked_thread(env)
    env.jira.delay("POST /rest/api/2/issue/PROJ-1/comment", 0.5)
    reply = env.slack.add_message("C0GENERAL", "Slow Jira", thread_ts=root.ts)
    _, payload = env.send.message(reply)
    env.send.event(payload, retry_num=1)
    done(env)
    settle(lambda: len(env.jira.comments("PROJ-1")) > 1)
    assert comments(env) == [comment_body("alice", "Slow Jira", reply)]


@pytest.mark.parametrize(
    ("user", "bot_id"),
    [("U0BOT", "B0BOT"), (None, "B0OTHER"), ("U0BOT", None)],
    ids=["this app", "another bot", "this app's user"],
)
def test_bot_messages_are_not_mirrored(
    env: TicketEnv, user: str | None, bot_id: str | None
) -> None:
    root = linked_thread(env)
    reply = env.slack.add_message("C0GENERAL", "beep", user=user, bot_id=bot_id, thread_ts=root.ts)
    assert env.send.message(reply)[0].status_code == 200
    settle(lambda: env.jira.comments("PROJ-1") or env.integrations())


def test_messages_outside_linked_threads_are_not_stored(env: TicketEnv) -> None:
    linked_thread(env)
    other_root = env.slack.add_message("C0GENERAL", "Unrelated")
    env.send.message(env.slack.add_message("C0GENERAL", "reply", thread_ts=other_root.ts))
    env.send.message(env.slack.add_message("C0GENERAL", "top level chatter"))
    settle(lambda: env.jira.comments("PROJ-1") or env.integrations())


def test_channels_outside_the_allow_list_are_not_read(make_env: MakeEnv) -> None:
    env = make_env(slack_allowed_channels="C0ELSEWHERE, C0OTHER")
    root = linked_thread(env)
    env.send.message(env.slack.add_message("C0GENERAL", "hidden", thread_ts=root.ts))
    settle(lambda: env.jira.comments("PROJ-1") or env.integrations())


def edit(env: TicketEnv, message: Message, text: str) -> dict[str, Any]:
    previous, current = env.slack.edit_message(message.channel, message.ts, text)
    event = payloads.message_changed_event(
        message.channel, previous, current, event_ts=current["edited"]["ts"]
    )
    return env.slack.event_payload(event)


def delete(env: TicketEnv, message: Message) -> dict[str, Any]:
    previous = message.to_api()
    event = payloads.message_deleted_event(message.channel, previous, event_ts="1700000099.000100")
    return env.slack.event_payload(event)


def test_an_edit_updates_the_comment_and_a_deletion_deletes_it(env: TicketEnv) -> None:
    root = linked_thread(env)
    reply = env.slack.add_message("C0GENERAL", "first words", thread_ts=root.ts)
    env.send.message(reply)
    done(env, 1)

    env.send.event(edit(env, reply, "better words"))
    done(env, 2)
    assert comments(env) == [comment_body("alice", "better words", reply)]

    env.send.event(delete(env, reply))
    deleted = next(i for i in done(env, 3) if i.event_type == "slack:comment_delete")
    assert deleted.event_type == "slack:comment_delete"
    assert deleted.target_id == "PROJ-1/10001"
    assert env.jira.comments("PROJ-1") == []
    assert env.mappings(MappingType.COMMENT_MESSAGE) == []


def test_an_edit_that_keeps_the_text_is_ignored(env: TicketEnv) -> None:
    root = linked_thread(env)
    reply = env.slack.add_message("C0GENERAL", "same words", thread_ts=root.ts)
    env.send.message(reply)
    done(env, 1)
    env.send.event(edit(env, reply, "same words"))  # e.g. Slack added a link preview
    settle(lambda: len(env.integrations()) > 1)


def test_an_edit_of_a_message_without_a_comment_waits_for_the_worker(env: TicketEnv) -> None:
    root = linked_thread(env)
    reply = env.slack.add_message("C0GENERAL", "never mirrored", thread_ts=root.ts)
    env.send.event(edit(env, reply, "edited"))
    queued = wait_for(lambda: env.integrations())[0]
    assert (queued.status, queued.event_type) == (Status.PENDING, "slack:comment_edit")
    assert queued.ordering_key == "jira:PROJ-1"  # behind the issue's other events
    handler = handler_for("slack", "jira")
    assert handler is not None
    services = replay_context(env.live.runtime.container, queued)
    assert handler(queued, services) == Done(
        status="ignored", detail="no Jira comment mirrors this message"
    )


def test_jira_down_leaves_the_comment_pending_and_a_replay_adds_it(env: TicketEnv) -> None:
    root = linked_thread(env)
    env.jira.fail("POST /rest/api/2/issue/PROJ-1/comment", status=503, times=None)
    reply = env.slack.add_message("C0GENERAL", "while Jira sleeps", thread_ts=root.ts)
    env.send.message(reply)
    pending = wait_for(
        lambda: next((i for i in env.integrations() if i.error_message), None),
        what="the attempt to end",
    )
    assert pending.status is Status.PENDING
    assert pending.error_message == "Jira failed (503): Service Unavailable"
    env.jira.clear_faults()
    handler = handler_for("slack", "jira")
    assert handler is not None
    services = replay_context(env.live.runtime.container, pending)
    assert handler(pending, services) == Done(target_id="PROJ-1/10001")
    assert handler(pending, services) == Done(detail="already mirrored", target_id="PROJ-1/10001")
    assert comments(env) == [comment_body("alice", "while Jira sleeps", reply)]


def test_shortcut_thread_then_replies_end_to_end(
    make_live_app: Callable[..., LiveApp],
    database_url: str,
    fake_slack: FakeSlack,
    fake_jira: FakeJira,
) -> None:
    """On each database: the shortcut links a thread, a reply is mirrored, edited, deleted."""
    env = start_ticket_env(
        make_live_app, database_url, fake_slack, fake_jira, jira_default_project="PROJ"
    )
    message = fake_slack.add_message("C0GENERAL", "Search is broken")
    env.send.shortcut("C0GENERAL", message.ts)
    opened = wait_for(lambda: fake_slack.views_opened and fake_slack.views_opened[-1])
    view = wait_for(
        lambda: (
            any(
                str(b.get("block_id")).startswith("issue_type:")
                for b in fake_slack.views[opened["id"]]["blocks"]
            )
            and fake_slack.views[opened["id"]]
        )
    )
    env.send.submit(view["id"], initial_state(view))
    wait_for(lambda: env.mappings(MappingType.ISSUE_THREAD), what="the thread link")

    reply = fake_slack.add_message(
        "C0GENERAL", "repro: type *anything*", user="U0BOB", thread_ts=message.ts
    )
    env.send.message(reply)
    done(env, 2)  # the comment is mirrored and its mapping stored
    env.send.event(edit(env, reply, "repro: type _something_"))
    wait_for(lambda: "something" in fake_jira.comments("PROJ-1")[0].text, what="the edit")
    assert fake_jira.comments("PROJ-1")[0].body.startswith("bob via Slack: repro: type _something_")
    env.send.event(delete(env, reply))
    wait_for(lambda: fake_jira.comments("PROJ-1") == [], what="the deletion")
    done(env, 4)
    statuses = sorted((i.event_type, i.status.value) for i in env.integrations())
    assert statuses == [
        ("slack:comment", "completed"),
        ("slack:comment_delete", "completed"),
        ("slack:comment_edit", "completed"),
        ("slack:create_issue", "completed"),
    ]


def test_a_newer_edit_waits_behind_an_older_one_that_is_retrying(make_env: MakeEnv) -> None:
    """v2 fails and waits for a retry; v3 must not be applied before it, or the replay of v2
    would put the older text back."""
    env = make_env(connect_delivery_backoff_seconds=0.05)
    root = linked_thread(env)
    reply = env.slack.add_message("C0GENERAL", "v1", thread_ts=root.ts)
    env.send.message(reply)
    done(env, 1)

    env.jira.fail("PUT /rest/api/2/issue/*/comment/*", status=503, times=1)
    env.send.event(edit(env, reply, "v2"))
    wait_for(lambda: any(i.error_message for i in env.integrations()), what="v2 to fail once")
    edits_sent = len(env.jira.calls("PUT /rest/api/2/issue/*/comment/*"))

    env.send.event(edit(env, reply, "v3"))
    queued = wait_for(
        lambda: [i for i in env.integrations() if i.status is Status.PENDING][1:],
        what="v3 to be stored",
    )
    assert len(queued) == 1
    settle(lambda: len(env.jira.calls("PUT /rest/api/2/issue/*/comment/*")) > edits_sent)

    worker = worker_for(
        env.live.runtime.settings,
        env.repos,
        config=WorkerConfig(threads=1, poll_seconds=0.05, backoff_seconds=0.01),
        slack=WebClient(token=env.slack.bot_token, base_url=env.slack.api_url),
    )
    wait_for(
        lambda: (
            worker.run_until_idle() >= 0
            and not any(i.status is Status.PENDING for i in env.integrations())
        ),
        what="both edits delivered",
    )
    assert comments(env) == [comment_body("alice", "v3", reply)]
