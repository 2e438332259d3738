"""The "Create Jira issue" message shortcut over signed HTTP: prefill from the message, create,
link the message's thread, and reply in that thread."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from slack_sdk import WebClient

from storage.domain import MappingType, Status, slack_ref
from tests.support import cards
from tests.support.slack import (
    TicketEnv,
    initial_state,
    merge_state,
    metadata,
    modal_values,
    option,
    wait_for,
)
from tests.support.webhooks import JIRA_SECRET, post_jira
from tests.support.workers import worker_for

MakeEnv = Callable[..., TicketEnv]


@pytest.fixture
def make_env(make_ticket_env: Callable[..., TicketEnv]) -> MakeEnv:
    def make(**overrides: Any) -> TicketEnv:
        return make_ticket_env(**{"jira_default_project": "PROJ", **overrides})

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
    before = len(env.slack.requests)
    response, _ = env.send.shortcut("C0GENERAL", message.ts, user="U0BOB")
    assert response.status_code == 200
    # Opened from the payload alone: no Slack call may come before `views.open` (Bolt's own
    # `auth.test`, once per process, comes before the ack).
    opened = wait_for(lambda: env.slack.views_opened and env.slack.views_opened[-1])
    called = [r.api_method for r in env.slack.requests[before:] if r.api_method != "auth.test"]
    assert called[:1] == ["views.open"]
    blocks = by_block(opened)
    assert opened["blocks"][0]["elements"][0]["text"] == (
        "From a message by <@U0ALICE> · the issue link will be posted in its thread"
    )
    assert blocks["summary"]["element"]["initial_value"] == "Login fails for @U0BOB & others"
    assert metadata(opened)["thread_ts"] == message.ts
    assert blocks["project"]["element"]["initial_option"]["value"] == "PROJ"
    # Then the permalink, the names and Jira's issue types, in one update.
    filled = filled_view(env)
    blocks = by_block(filled)
    permalink = f"https://connect-test.slack.com/archives/C0GENERAL/p{message.ts.replace('.', '')}"
    assert filled["blocks"][0]["elements"][0]["text"] == (
        f"From a message by <@U0ALICE> · <{permalink}|view message> · "
        "the issue link will be posted in its thread"
    )
    assert blocks["summary"]["element"]["initial_value"] == "Login fails for @bob & others"
    assert blocks["description"]["element"]["initial_value"] == (
        "Login fails for @bob & others\nsteps: *click* here (https://x.example)"
    )
    assert metadata(filled)["permalink"] == permalink
    assert metadata(filled)["thread_ts"] == message.ts


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


# --- Slack slow or rate limited: the modal opens first -------------------------------------


@pytest.mark.slow
def test_a_rate_limited_users_info_does_not_cost_the_trigger(make_env: MakeEnv) -> None:
    env = make_env()
    env.slack.fail("users.info", status=429, retry_after=3, times=1)  # past the 3 s window
    message = env.slack.add_message("C0GENERAL", "cc <@U0BOB> login is broken")
    _, payload = env.send.shortcut("C0GENERAL", message.ts)
    opened = wait_for(lambda: env.slack.views_opened and env.slack.views_opened[-1])
    assert by_block(opened)["summary"]["element"]["initial_value"] == "cc @U0BOB login is broken"
    filled = wait_for(
        lambda: (
            (view := env.slack.views[opened["id"]])
            and by_block(view)["summary"]["element"]["initial_value"] == "cc @bob login is broken"
            and view
        ),
        timeout=8,
        what="names after the rate limit",
    )
    assert "issue_type:PROJ" in by_block(filled)
    assert env.slack.response_posts(payload["response_url"]) == []


@pytest.mark.slow
def test_many_mentions_on_a_slow_slack_do_not_cost_the_trigger(make_env: MakeEnv) -> None:
    env = make_env()
    env.slack.delay("users.info", 0.6, times=None)  # 5 mentions: 3 s of users.info
    text = "Outage: " + " ".join(f"<@U0X{n}>" for n in range(5))
    message = env.slack.add_message("C0GENERAL", text)
    _, payload = env.send.shortcut("C0GENERAL", message.ts)
    opened = wait_for(lambda: env.slack.views_opened and env.slack.views_opened[-1], timeout=3)
    filled = filled_view(env)
    assert filled["id"] == opened["id"]
    assert env.slack.response_posts(payload["response_url"]) == []


def test_the_fill_never_overwrites_a_project_the_user_chose(make_env: MakeEnv) -> None:
    env = make_env()
    env.jira.delay("*/createmeta/PROJ/issuetypes", 1.0)  # the background fill is slow
    message = env.slack.add_message("C0GENERAL", "Checkout is slow")
    env.send.shortcut("C0GENERAL", message.ts)
    opened = wait_for(lambda: env.slack.views_opened and env.slack.views_opened[-1])
    env.send.action(
        opened,
        {
            "type": "external_select",
            "action_id": "project",
            "block_id": "project",
            "selected_option": option("KT", "KT"),
        },
        values=merge_state(initial_state(opened), modal_values(project="KT")),
    )
    wait_for(lambda: "issue_type:KT" in by_block(env.slack.views[opened["id"]]), what="KT types")
    # The fill for PROJ lands later with the opened view's hash: refused, KT stays.
    wait_for(
        lambda: [r for r in env.slack.requests if r.api_method == "views.update"][1:],
        what="the PROJ fill's views.update",
    )
    view = env.slack.views[opened["id"]]
    assert metadata(view)["project"] == "KT"
    assert "issue_type:KT" in by_block(view)
    # The permalink that came with the refused fill is not lost: the next refresh has it.
    env.send.action(
        view,
        {
            "type": "external_select",
            "action_id": "project",
            "block_id": "project",
            "selected_option": option("PROJ", "PROJ"),
        },
        values=merge_state(initial_state(view), modal_values(project="PROJ")),
    )
    view = wait_for(
        lambda: (v := env.slack.views[opened["id"]]) and "issue_type:PROJ" in by_block(v) and v,
        what="PROJ again",
    )
    permalink = f"https://connect-test.slack.com/archives/C0GENERAL/p{message.ts.replace('.', '')}"
    assert metadata(view)["permalink"] == permalink
    state = merge_state(initial_state(view), modal_values(issue_type=("PROJ", task_id(view))))
    assert env.send.submit(view["id"], state).status_code == 200
    issue = wait_for(lambda: env.jira.issues.get("PROJ-1"), what="PROJ-1")
    assert f"[View in Slack|{permalink}]" in issue.fields["description"]


def test_jira_s_update_edits_the_card_in_the_messages_thread_not_the_message(
    make_env: MakeEnv,
) -> None:
    env = make_env(jira_webhook_secret=JIRA_SECRET)
    message = env.slack.add_message("C0GENERAL", "Checkout is slow")
    env.send.shortcut("C0GENERAL", message.ts, user="U0BOB")
    view = filled_view(env)
    state = merge_state(initial_state(view), modal_values(issue_type=("PROJ", task_id(view))))
    assert env.send.submit(view["id"], state, user="U0BOB").status_code == 200
    card = wait_for(lambda: env.slack.replies("C0GENERAL", message.ts))[0]

    cards.gateway(env.jira).transition("PROJ-1", "31", {})  # moved in Jira itself
    hook = cards.issue_updated(env.jira, "PROJ-1", [cards.status_change("To Do", "Done")])
    assert post_jira(env.live, hook).status_code == 202
    client = WebClient(token=env.slack.bot_token, base_url=env.slack.api_url, retry_handlers=[])
    worker = worker_for(env.live.runtime.settings, env.repos, slack=client, name="test")
    assert worker.run_until_idle() == 1

    now = env.slack.message("C0GENERAL", card.ts)
    assert now is not None
    assert now.blocks is not None
    assert now.blocks[0]["text"]["text"] == (
        f":ticket: *<{env.jira.url}/browse/PROJ-1|PROJ-1> Checkout is slow*\n"
        "*Type:* Task · *Status:* Done"
    )
    original = env.slack.message("C0GENERAL", message.ts)
    assert original is not None
    assert original.text == "Checkout is slow"  # untouched
    [_, said] = env.slack.replies("C0GENERAL", message.ts)
    assert said.text.endswith("• *Status:* To Do → Done")
