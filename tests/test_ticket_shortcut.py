"""The "Create Jira issue" message shortcut over signed HTTP: prefill from the message, create,
link the message's thread, and reply in that thread."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from storage.domain import MappingType, Status, slack_ref
from tests.fakes.jira import FakeJira
from tests.fakes.slack import FakeSlack
from tests.support.live import LiveApp
from tests.support.slack import (
    TicketEnv,
    initial_state,
    merge_state,
    metadata,
    modal_values,
    start_ticket_env,
    wait_for,
)

MakeEnv = Callable[..., TicketEnv]


@pytest.fixture
def make_env(
    make_live_app: Callable[..., LiveApp],
    sqlite_url: str,
    fake_slack: FakeSlack,
    fake_jira: FakeJira,
) -> MakeEnv:
    def make(**overrides: Any) -> TicketEnv:
        return start_ticket_env(
            make_live_app,
            sqlite_url,
            fake_slack,
            fake_jira,
            jira_default_project="PROJ",
            **overrides,
        )

    return make


def by_block(view: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {b.get("block_id") or b["type"]: b for b in view["blocks"]}


def filled_view(env: TicketEnv) -> dict[str, Any]:
    """The modal once Jira's issue types are in (the shortcut opens it first, then updates)."""
    opened = wait_for(lambda: env.slack.views_opened and env.slack.views_opened[-1])
    return wait_for(
        lambda: (
            "issue_type:PROJ" in by_block(env.slack.views[opened["id"]])
            and env.slack.views[opened["id"]]
        ),
        what="issue types in the modal",
    )


def task_id(view: dict[str, Any]) -> str:
    return by_block(view)["issue_type:PROJ"]["element"]["initial_option"]["value"]


def test_shortcut_prefills_the_modal_from_the_message(make_env: MakeEnv) -> None:
    env = make_env()
    message = env.slack.add_message(
        "C0GENERAL",
        "Login fails for <@U0BOB> &amp; others\nsteps: *click* <https://x.example|here>",
    )
    response, _ = env.send.shortcut("C0GENERAL", message.ts, user="U0BOB")
    assert response.status_code == 200
    opened = wait_for(lambda: env.slack.views_opened and env.slack.views_opened[-1])
    blocks = by_block(opened)
    permalink = f"https://connect-test.slack.com/archives/C0GENERAL/p{message.ts.replace('.', '')}"
    assert opened["blocks"][0]["elements"][0]["text"] == (
        f"From a message by <@U0ALICE> · <{permalink}|view message> · "
        "the issue link will be posted in its thread"
    )
    assert blocks["summary"]["element"]["initial_value"] == "Login fails for @bob & others"
    assert blocks["description"]["element"]["initial_value"] == (
        "Login fails for @bob & others\nsteps: *click* here (https://x.example)"
    )
    assert metadata(opened)["thread_ts"] == message.ts
    assert blocks["project"]["element"]["initial_option"]["value"] == "PROJ"


def test_shortcut_creates_the_issue_and_replies_in_the_messages_thread(make_env: MakeEnv) -> None:
    env = make_env()
    message = env.slack.add_message("C0GENERAL", "Checkout is *slow*\nsince the deploy")
    env.send.shortcut("C0GENERAL", message.ts, user="U0BOB")
    view = filled_view(env)
    state = merge_state(initial_state(view), modal_values(issue_type=("PROJ", task_id(view))))
    assert env.send.submit(view["id"], state, user="U0BOB").status_code == 200

    issue = wait_for(lambda: env.jira.issues.get("PROJ-1"), what="PROJ-1")
    permalink = f"https://connect-test.slack.com/archives/C0GENERAL/p{message.ts.replace('.', '')}"
    assert issue.summary == "Checkout is slow"
    assert issue.fields["description"] == (
        "Checkout is *slow*\nsince the deploy\n\n"
        f"From a Slack message by alice: [View in Slack|{permalink}]\n\n"
        "Reported from Slack by bob."
    )
    reply = wait_for(lambda: env.slack.replies("C0GENERAL", message.ts))[0]
    assert reply.thread_ts == message.ts
    assert reply.text == "<@U0BOB> created PROJ-1: Checkout is slow"
    assert reply.blocks is not None
    assert reply.blocks[0]["text"]["text"] == (
        f":ticket: *<{env.jira.url}/browse/PROJ-1|PROJ-1> Checkout is slow*\n"
        "*Type:* Task · *Status:* To Do"
    )
    [thread] = wait_for(lambda: env.mappings(MappingType.ISSUE_THREAD))
    assert (thread.source_service, thread.source_id) == ("jira", "PROJ-1")
    assert (thread.target_service, thread.target_id) == (
        "slack",
        slack_ref("C0GENERAL", message.ts),
    )
    assert thread.extra_data["origin"] == "slack"
    [logged] = wait_for(lambda: [i for i in env.integrations() if i.status is Status.COMPLETED])
    assert logged.source_id == slack_ref("C0GENERAL", message.ts)
    assert logged.payload["request"]["origin"] == "shortcut"
    assert logged.payload["request"]["permalink"] == permalink


def test_shortcut_on_a_reply_links_and_answers_the_thread_root(make_env: MakeEnv) -> None:
    env = make_env()
    root = env.slack.add_message("C0GENERAL", "Deploy today?")
    reply = env.slack.add_message("C0GENERAL", "The build is red", user="U0BOB", thread_ts=root.ts)
    env.send.shortcut("C0GENERAL", reply.ts)
    view = filled_view(env)
    assert metadata(view)["thread_ts"] == root.ts
    assert metadata(view)["message_ts"] == reply.ts
    state = merge_state(initial_state(view), modal_values(issue_type=("PROJ", task_id(view))))
    env.send.submit(view["id"], state)

    answer = wait_for(
        lambda: [m for m in env.slack.replies("C0GENERAL", root.ts) if m.user == "U0BOT"]
    )[0]
    assert answer.thread_ts == root.ts
    issue = env.jira.issues["PROJ-1"]
    assert issue.summary == "The build is red"
    assert f"?thread_ts={root.ts}&cid=C0GENERAL" in issue.fields["description"]
    [thread] = wait_for(lambda: env.mappings(MappingType.ISSUE_THREAD))
    assert thread.target_id == slack_ref("C0GENERAL", root.ts)


def test_a_thread_already_linked_keeps_its_issue(make_env: MakeEnv) -> None:
    env = make_env()
    message = env.slack.add_message("C0GENERAL", "First issue from here")
    for expected in ("PROJ-1", "PROJ-2"):
        env.slack.view_calls.clear()
        env.send.shortcut("C0GENERAL", message.ts)
        view = filled_view(env)
        state = merge_state(initial_state(view), modal_values(issue_type=("PROJ", task_id(view))))
        env.send.submit(view["id"], state)
        wait_for(lambda key=expected: env.jira.issues.get(key), what=expected)
        wait_for(
            lambda key=expected: any(
                key in m.text for m in env.slack.replies("C0GENERAL", message.ts)
            )
        )
    [thread] = wait_for(lambda: env.mappings(MappingType.ISSUE_THREAD))
    assert thread.source_id == "PROJ-1"


def test_shortcut_in_a_channel_outside_the_allow_list_reads_nothing(make_env: MakeEnv) -> None:
    env = make_env(slack_allowed_channels="C0ELSEWHERE")
    message = env.slack.add_message("C0GENERAL", "Secret plans")
    response, payload = env.send.shortcut("C0GENERAL", message.ts)
    assert response.status_code == 200
    post = wait_for(lambda: env.slack.response_posts(payload["response_url"]))[0]
    assert post.text == (
        "Connect does not read messages in this channel (it is not in `SLACK_ALLOWED_CHANNELS`)."
    )
    assert env.slack.views_opened == []
    assert env.jira.requests == []
