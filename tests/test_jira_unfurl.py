"""`link_shared` → `chat.unfurl` for links to issues of the configured Jira site (signed
HTTP, the real jira client against the fake Jira): the issue's card with its buttons, which
work there too; never for an issue the app's Jira account cannot see, nor another site."""

from __future__ import annotations

from typing import Any

import pytest

from playground.fakes.slack_models import Message
from tests.support import cards
from tests.support.slack import TicketEnv, settle, wait_for


@pytest.fixture
def env(ticket_env_either: TicketEnv) -> TicketEnv:
    return ticket_env_either


def share(env: TicketEnv, urls: list[str]) -> Message:
    message = env.slack.add_message("C0GENERAL", " ".join(urls))
    event = {
        "type": "link_shared",
        "channel": "C0GENERAL",
        "is_bot_user_member": True,
        "user": "U0ALICE",
        "message_ts": message.ts,
        "unfurl_id": None,
        "source": "conversations_history",
        "event_ts": message.ts,
        "links": [{"domain": url.split("/")[2], "url": url} for url in urls],
    }
    assert env.send.event(env.slack.event_payload(event)).status_code == 200
    return message


def texts(blocks: list[dict[str, Any]]) -> list[str]:
    out = []
    for block in blocks:
        if block["type"] == "section":
            out.append(block["text"]["text"])
        elif block["type"] == "context":
            out += [e["text"] for e in block["elements"]]
        elif block["type"] == "actions":
            out.append(
                " | ".join(
                    e.get("text", e.get("placeholder", {}))["text"] for e in block["elements"]
                )
            )
    return out


def test_a_jira_issue_link_unfurls_as_its_card_with_the_buttons(env: TicketEnv) -> None:
    env.jira.create_issue("PROJ", "Checkout is slow")
    url = f"{env.jira.url}/browse/PROJ-1"
    share(env, [url, f"{env.jira.url}/browse/PROJ-99", "https://elsewhere.example/browse/PROJ-1"])

    [unfurl] = wait_for(lambda: env.slack.unfurls, what="chat.unfurl")
    assert list(unfurl.unfurls) == [url]
    assert texts(unfurl.unfurls[url]["blocks"]) == [
        f"*<{url}|PROJ-1>: Checkout is slow*",
        "Task · Status: *To Do* · Priority: Medium · Assignee: Unassigned",
        "Transition… | Assign to me | Comment | Open in Jira",
    ]


def test_an_issue_the_app_cannot_see_is_not_unfurled(env: TicketEnv) -> None:
    share(env, [f"{env.jira.url}/browse/PROJ-7"])
    wait_for(lambda: env.jira.calls("GET /rest/api/2/issue/PROJ-7"), what="Jira asked")
    settle(lambda: env.slack.unfurls)


def test_the_buttons_of_an_unfurl_work_and_unfurl_it_again(env: TicketEnv) -> None:
    env.jira.create_issue("PROJ", "Checkout is slow")
    url = f"{env.jira.url}/browse/PROJ-1"
    message = share(env, [url])
    [unfurl] = wait_for(lambda: env.slack.unfurls, what="chat.unfurl")

    click = cards.unfurl_click(
        env.slack, message, url, unfurl.unfurls[url]["blocks"], "jira_card_assign"
    )
    assert env.send.send("interactive", click).status_code == 200

    again = wait_for(lambda: len(env.slack.unfurls) == 2 and env.slack.unfurls[1], what="again")
    assert (again.channel, again.ts) == ("C0GENERAL", message.ts)
    assert texts(again.unfurls[url]["blocks"])[1].endswith("Assignee: <@U0ALICE>")
    replies = wait_for(lambda: env.slack.replies("C0GENERAL", message.ts), what="the reply")
    assert [r.text for r in replies] == [f"<@U0ALICE> assigned <{url}|PROJ-1> to themselves."]
    assert env.slack.calls("chat.update") == []
