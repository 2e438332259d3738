"""`@connect ticket` and `@connect help` over signed `app_mention` events: create at once in
the thread under the mention, a whole thread as the issue, the button that opens the form,
Slack's retries, and channels the app may not read."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from playground.fakes.slack import FakeSlack
from playground.fakes.slack_models import Message
from storage.domain import MappingType, slack_ref
from tests.support.slack import (
    TicketEnv,
    initial_state,
    merge_state,
    modal_values,
    settle,
    wait_for,
)

MakeEnv = Callable[..., TicketEnv]
BOT = "U0BOT"


@pytest.fixture
def make_env(make_ticket_env: Callable[..., TicketEnv]) -> MakeEnv:
    return make_ticket_env


def mention(env: TicketEnv, text: str, *, thread_ts: str | None = None, user: str = "U0ALICE"):
    """Post `text` (which mentions the app) and send the `app_mention` Slack sends for it."""
    message = env.slack.add_message("C0GENERAL", text, user=user, thread_ts=thread_ts)
    payload = env.slack.event_payload(app_mention(message))
    response = env.send.event(payload)
    assert response.status_code == 200
    return message, payload


def app_mention(message: Message) -> dict[str, Any]:
    event: dict[str, Any] = {
        "type": "app_mention",
        "user": message.user,
        "text": message.text,
        "ts": message.ts,
        "channel": message.channel,
        "event_ts": message.ts,
    }
    if message.thread_ts is not None:
        event["thread_ts"] = message.thread_ts
    return event


def button_click(fake: FakeSlack, ephemeral: Any, user: str = "U0ALICE") -> dict[str, Any]:
    """The `block_actions` Slack sends when the ephemeral message's button is clicked."""
    [button] = [e for b in ephemeral.blocks if b["type"] == "actions" for e in b["elements"]]
    return {
        "type": "block_actions",
        "user": {"id": user, "username": "alice", "name": "alice", "team_id": "T0TEAM"},
        "api_app_id": "A0APP",
        "token": "verification-token",
        "container": {
            "type": "message",
            "message_ts": ephemeral.message_ts,
            "channel_id": ephemeral.channel,
            "is_ephemeral": True,
        },
        "trigger_id": fake.new_trigger_id(),
        "team": {"id": "T0TEAM", "domain": "acme"},
        "channel": {"id": ephemeral.channel, "name": "general"},
        "response_url": f"{fake.api_url.rstrip('/').removesuffix('/api')}/actions/T0/1/x",
        "actions": [{**button, "block_id": "b", "action_ts": "1700000100.000100"}],
    }


# --- create at once -----------------------------------------------------------------------


def test_mention_creates_at_once_and_answers_in_a_thread_under_it(make_env: MakeEnv) -> None:
    env = make_env(jira_default_project="PROJ")
    message, _ = mention(env, f"<@{BOT}> ticket Printer on fire\nIt *smokes* a lot")
    issue = wait_for(lambda: env.jira.issues.get("PROJ-1"), what="PROJ-1")
    assert issue.summary == "Printer on fire"
    assert issue.fields["description"] == "It *smokes* a lot\n\nReported from Slack by alice."
    card = wait_for(lambda: env.slack.posted)[0]
    assert (card.channel, card.thread_ts) == ("C0GENERAL", message.ts)
    assert card.text == "<@U0ALICE> created PROJ-1: Printer on fire"
    [thread] = wait_for(lambda: env.mappings(MappingType.ISSUE_THREAD))
    assert (thread.source_id, thread.target_id) == ("PROJ-1", slack_ref("C0GENERAL", message.ts))
    [logged] = env.integrations()
    assert logged.payload["request"]["origin"] == "mention"
    assert logged.source_id == slack_ref("C0GENERAL", message.ts)


def test_slack_retries_never_create_a_second_issue(make_env: MakeEnv) -> None:
    env = make_env(jira_default_project="PROJ")
    _, payload = mention(env, f"<@{BOT}> ticket Once only")
    wait_for(lambda: env.jira.issues.get("PROJ-1"), what="PROJ-1")
    assert env.send.event(payload, retry_num=1).status_code == 200
    assert env.send.event(payload, retry_num=2).status_code == 200
    settle(lambda: len(env.jira.issues) > 1 or len(env.slack.posted) > 1)
    assert len(env.integrations()) == 1


# --- a whole thread -----------------------------------------------------------------------


def test_in_a_thread_the_whole_thread_becomes_the_issue(make_env: MakeEnv) -> None:
    env = make_env(jira_default_project="PROJ")
    root = env.slack.add_message("C0GENERAL", "The *build* is red on main", user="U0BOB")
    env.slack.add_message("C0GENERAL", "since the merge of <@U0ALICE>'s PR", thread_ts=root.ts)
    env.slack.add_message("C0GENERAL", "deploy bot joined", user=None, thread_ts=root.ts,
                          bot_id="B0OTHER")  # fmt: skip
    env.slack.add_message("C0GENERAL", "I'll look", user="U0BOB", thread_ts=root.ts)
    asked, _ = mention(env, f"<@{BOT}> ticket", thread_ts=root.ts)
    issue = wait_for(lambda: env.jira.issues.get("PROJ-1"), what="PROJ-1")
    assert issue.summary == "The build is red on main"
    description = issue.fields["description"]
    link = f"https://connect-test.slack.com/archives/C0GENERAL/p{root.ts.replace('.', '')}"
    messages = [chunk.split("\n", 1) for chunk in description.split("\n\n")[:-1]]
    assert [text for _, text in messages] == [
        "The *build* is red on main",
        "since the merge of [~accountid:" + account(env, "alice") + "]'s PR",
        "I'll look",
    ]
    headings = [heading for heading, _ in messages]
    assert headings[0] == (
        f"[~accountid:{account(env, 'bob')}] · 2023-11-14 22:13 UTC · [view in Slack|{link}]"
    )
    assert headings[1].startswith(f"[~accountid:{account(env, 'alice')}] · ")
    assert headings[1].endswith(f"?thread_ts={root.ts}&cid=C0GENERAL]")
    assert "deploy bot" not in description
    assert "ticket" not in description.lower()
    assert description.endswith("\n\nReported from Slack by alice.")
    card = wait_for(lambda: env.slack.posted)[0]
    assert card.thread_ts == root.ts
    [thread] = wait_for(lambda: env.mappings(MappingType.ISSUE_THREAD), what="the mapping")
    assert thread.target_id == slack_ref("C0GENERAL", root.ts)
    assert asked.ts.replace(".", "") not in description


def test_words_after_ticket_in_a_thread_are_the_summary(make_env: MakeEnv) -> None:
    env = make_env(jira_default_project="PROJ")
    root = env.slack.add_message("C0GENERAL", "something odd", user="U0BOB")
    mention(env, f"<@{BOT}> ticket Checkout fails for EU cards", thread_ts=root.ts)
    issue = wait_for(lambda: env.jira.issues.get("PROJ-1"), what="PROJ-1")
    assert issue.summary == "Checkout fails for EU cards"
    assert "something odd" in issue.fields["description"]


def filled_view(env: TicketEnv) -> dict[str, Any]:
    """The form once Jira's issue types are in (opened first, then updated)."""
    opened = wait_for(lambda: env.slack.views_opened and env.slack.views_opened[-1])
    return wait_for(
        lambda: (
            any(
                b.get("block_id") == "issue_type:PROJ"
                for b in env.slack.views[opened["id"]]["blocks"]
            )
            and env.slack.views[opened["id"]]
        ),
        what="issue types in the form",
    )


def account(env: TicketEnv, name: str) -> str:
    """The Jira account id of the fake Jira's user `name` (found by the email Slack has)."""
    [user] = [u for u in env.jira.users if u.email == f"{name}@example.com"]
    return user.account_id


# --- the form, when creating at once is not possible --------------------------------------


def test_without_a_default_project_a_button_opens_the_prefilled_form(make_env: MakeEnv) -> None:
    env = make_env()
    message, _ = mention(env, f"<@{BOT}> ticket Printer on fire")
    [offer] = wait_for(lambda: env.slack.ephemerals)
    assert (offer.user, offer.thread_ts) == ("U0ALICE", message.ts)
    assert offer.text == (
        "To create the Jira issue, open the form: this channel has no default project."
    )
    assert env.jira.issues == {}
    env.send.send("interactive", button_click(env.slack, offer))
    view = wait_for(lambda: env.slack.views_opened and env.slack.views_opened[-1])
    summary = next(b for b in view["blocks"] if b.get("block_id") == "summary")
    assert summary["element"]["initial_value"] == "Printer on fire"
    context = json.loads(view["private_metadata"])
    assert (context["origin"], context["thread_ts"]) == ("mention", message.ts)


def test_the_form_from_the_button_answers_in_the_mentions_thread(make_env: MakeEnv) -> None:
    env = make_env(jira_default_project="PROJ")
    message, _ = mention(env, f"<@{BOT}> ticket")  # no summary: the form is needed
    [offer] = wait_for(lambda: env.slack.ephemerals)
    assert offer.text == "To create the Jira issue, open the form: say what the issue is about."
    env.send.send("interactive", button_click(env.slack, offer))
    view = filled_view(env)
    state = merge_state(initial_state(view), modal_values(summary="Printer on fire"))
    assert env.send.submit(view["id"], state).status_code == 200
    issue = wait_for(lambda: env.jira.issues.get("PROJ-1"), what="PROJ-1")
    assert issue.summary == "Printer on fire"
    card = wait_for(lambda: env.slack.posted)[0]
    assert card.thread_ts == message.ts
    [logged] = env.integrations()
    assert logged.payload["request"]["origin"] == "mention"


def test_a_thread_mention_without_default_offers_the_whole_thread(make_env: MakeEnv) -> None:
    env = make_env()
    root = env.slack.add_message("C0GENERAL", "Flaky test in CI", user="U0BOB")
    mention(env, f"<@{BOT}> ticket", thread_ts=root.ts)
    [offer] = wait_for(lambda: env.slack.ephemerals)
    env.send.send("interactive", button_click(env.slack, offer))
    view = wait_for(lambda: env.slack.views_opened and env.slack.views_opened[-1])
    blocks = {b.get("block_id"): b for b in view["blocks"]}
    assert blocks["summary"]["element"]["initial_value"] == "Flaky test in CI"
    whole = blocks["whole_thread"]["element"]
    assert whole["initial_options"] == whole["options"]
    assert whole["options"][0]["text"]["text"] == "Include the whole thread"


# --- help, other words, channels the app may not read ---------------------------------------


def test_help_answers_like_slash_ticket_help(make_env: MakeEnv) -> None:
    env = make_env(jira_default_project="PROJ")
    mention(env, f"<@{BOT}> help")
    [answer] = wait_for(lambda: env.slack.ephemerals)
    assert answer.user == "U0ALICE"
    assert answer.text.startswith("*`/ticket`* creates Jira issues from Slack.")
    assert "`@connect ticket <summary>`" in answer.text
    assert answer.text.endswith("Default project here: *PROJ* (`JIRA_DEFAULT_PROJECT`).")


def test_another_word_says_what_the_app_understands(make_env: MakeEnv) -> None:
    env = make_env(jira_default_project="PROJ")
    mention(env, f"<@{BOT}> dance")
    [answer] = wait_for(lambda: env.slack.ephemerals)
    assert answer.text == "I know `@connect ticket <summary>` and `@connect help`."
    assert env.jira.issues == {}


def test_a_channel_the_app_may_not_read_gets_no_issue(make_env: MakeEnv) -> None:
    env = make_env(jira_default_project="PROJ", slack_allowed_channels="C0OTHER")
    mention(env, f"<@{BOT}> ticket Not here")
    [answer] = wait_for(lambda: env.slack.ephemerals)
    assert "does not read messages in this channel" in answer.text
    settle(lambda: env.jira.issues)


# --- the message shortcut's "Include the whole thread" -------------------------------------


def test_the_shortcut_in_a_thread_can_include_the_whole_thread(make_env: MakeEnv) -> None:
    env = make_env(jira_default_project="PROJ")
    root = env.slack.add_message("C0GENERAL", "Search is slow", user="U0BOB")
    reply = env.slack.add_message("C0GENERAL", "p95 is 4 s", thread_ts=root.ts)
    env.send.shortcut("C0GENERAL", reply.ts)
    view = filled_view(env)
    whole = next(b for b in view["blocks"] if b.get("block_id") == "whole_thread")
    assert "initial_options" not in whole["element"]  # the person chooses
    choice = {"type": "checkboxes", "selected_options": whole["element"]["options"]}
    state = merge_state(initial_state(view), {"whole_thread": {"whole_thread": choice}})
    assert env.send.submit(view["id"], state).status_code == 200
    issue = wait_for(lambda: env.jira.issues.get("PROJ-1"), what="PROJ-1")
    description = issue.fields["description"]
    assert description.startswith("p95 is 4 s\n\n")  # what the form said, then the thread
    assert "\nSearch is slow\n\n" in description
    assert description.count("p95 is 4 s") == 2
    card = wait_for(lambda: env.slack.posted)[0]
    assert (card.thread_ts, card.text) == (root.ts, "<@U0ALICE> created PROJ-1: p95 is 4 s")


def test_the_shortcut_outside_a_thread_offers_no_thread(make_env: MakeEnv) -> None:
    env = make_env(jira_default_project="PROJ")
    message = env.slack.add_message("C0GENERAL", "A lone message")
    env.send.shortcut("C0GENERAL", message.ts)
    view = filled_view(env)
    assert all(b.get("block_id") != "whole_thread" for b in view["blocks"])
