"""A bare Jira key said in a channel that asked for it (`/ticket settings keys on`) gets one
thread reply with the issue's card: signed Events API requests, the fake Slack and Jira."""

from __future__ import annotations

import pytest

from integrations.jira.key_replies import bare_keys
from playground.fakes.slack_models import Message
from tests.support.slack import TicketEnv, settle, wait_for


@pytest.fixture
def env(ticket_env_either: TicketEnv) -> TicketEnv:
    env = ticket_env_either
    env.jira.create_issue("PROJ", "Checkout is slow")
    env.jira.create_issue("PROJ", "Search is slow")
    return env


def say(env: TicketEnv, text: str, user: str = "U0ALICE", bot_id: str | None = None) -> Message:
    message = env.slack.add_message("C0GENERAL", text, user=user, bot_id=bot_id)
    response, _ = env.send.message(message)
    assert response.status_code == 200
    return message


def keys_on(env: TicketEnv) -> None:
    response, _ = env.send.command("settings keys on")
    assert response.status_code == 200
    [answer] = wait_for(lambda: env.slack.response_posts(), what="the answer")
    assert answer.text == (
        "<@U0ALICE> turned on Jira key previews here: a message that says an issue key such "
        "as `PROJ-123` gets the issue's card in its thread (once per key every 30 minutes)."
    )
    assert answer.response_type == "in_channel"


def test_keys_are_found_outside_links_and_code() -> None:
    assert bare_keys("PROJ-1, see also ABC-22 and PROJ-1 again") == ["PROJ-1", "ABC-22"]
    assert bare_keys("`PROJ-2` <https://x.example/browse/PROJ-3|PROJ-3> /PROJ-4 proj-5") == []
    assert bare_keys("A-1 PROJ-0 PROJ-12a") == []


def test_a_key_in_a_channel_that_asked_gets_the_card_once(env: TicketEnv) -> None:
    keys_on(env)
    first = say(env, "Is PROJ-1 still slow? (not `PROJ-2`, nor PROJ-99)")
    [reply] = wait_for(lambda: env.slack.replies("C0GENERAL", first.ts), what="the reply")
    assert reply.text == "PROJ-1: Checkout is slow (To Do)"
    assert reply.blocks is not None
    assert reply.blocks[0]["text"]["text"] == (
        f"*<{env.jira.url}/browse/PROJ-1|PROJ-1>: Checkout is slow*"
    )
    assert reply.blocks[2]["block_id"] == "jira_card:PROJ-1"
    # asked (after PROJ-1's card, under load), invisible: said nothing
    assert wait_for(lambda: env.jira.calls("GET /rest/api/2/issue/PROJ-99"), what="PROJ-99")

    again = say(env, "PROJ-1 again")
    settle(lambda: env.slack.replies("C0GENERAL", again.ts))
    assert len(env.slack.posted) == 1


def test_nothing_without_the_setting_nor_for_bots(env: TicketEnv) -> None:
    say(env, "PROJ-1 is slow")
    keys_on(env)
    say(env, "PROJ-2 from a bot", user="U0BOT", bot_id="B0BOT")
    settle(lambda: env.slack.posted)
    response, _ = env.send.command("settings keys off")
    assert response.status_code == 200
    wait_for(lambda: len(env.slack.response_posts()) == 2, what="the answer")
    assert env.slack.response_posts()[1].text == "<@U0ALICE> turned off Jira key previews here."
    say(env, "PROJ-2 is slow too")
    settle(lambda: env.slack.posted)
